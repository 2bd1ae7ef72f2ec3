package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/report/serve"
)

// reportServe is `ccq report --serve`, until SIGINT or SIGTERM (which ccq
// passes on). ccq checked the history and the filters; the address is
// printed on stdout once the page is served.
func reportServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report --serve")
	var c serve.Config
	var tasks, elsewhere listFlag
	fs.StringVar(&c.History, "history", "", "history file")
	fs.StringVar(&c.Cache, "cache", "", "summary cache")
	fs.Var(&tasks, "task", "task glob (repeatable)")
	fs.StringVar(&c.Since, "since", "", "as ccq report --since")
	fs.StringVar(&c.Until, "until", "", "as ccq report --until")
	fs.StringVar(&c.By, "by", "", "day or week")
	fs.StringVar(&c.WorkDir, "workdir", "", "ccq's working directory")
	fs.StringVar(&c.Version, "ccq-version", "", "ccq's version")
	fs.Var(&elsewhere, "elsewhere", "another logs directory with a history (repeatable)")
	listen := fs.String("listen", "", "host:port")
	if err := parse(fs, args); err != nil {
		return err
	}
	if c.History == "" || *listen == "" {
		return usage("report --serve: --history and --listen are required")
	}
	c.Tasks, c.Elsewhere, c.Stderr = tasks, elsewhere, stderr
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return clierr.WithHint(fmt.Errorf("cannot serve the report: %w", err), "--serve takes host:port, e.g. 127.0.0.1:8080")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "serving the report at http://%s/ (Ctrl-C stops)\n", ln.Addr())
	if err := serve.Serve(ctx, ln, serve.ServeOptions{Options: c.Options, Log: stderr}); err != nil {
		return fmt.Errorf("cannot serve the report: %w", err)
	}
	return nil
}
