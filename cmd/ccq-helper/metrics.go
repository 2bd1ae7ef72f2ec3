package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/metrics"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
)

// metricsCmd is `ccq metrics`: the exposition on stdout, or in
// DIR/ccq.prom with --textfile (ccq made DIR absolute).
func metricsCmd(args []string, stdout io.Writer) error {
	fs := newFlags("metrics")
	hist := fs.String("history", "", "history file")
	dir := fs.String("textfile", "", "node_exporter's textfile directory")
	sf := addScheduleFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *hist == "" {
		return usage("metrics: --history is required")
	}
	src := metricsSource(*hist)
	if err := sf.watch(src, *hist); err != nil {
		return err
	}
	if err := src.Refresh(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	reg := metrics.NewRegistry(src)
	if *dir != "" {
		if err := metrics.WriteTextfile(*dir, reg); err != nil {
			return clierr.WithHint(fmt.Errorf("metrics: %w", err), "--textfile names a directory ccq can write and node_exporter can read")
		}
		return nil
	}
	return metrics.Write(stdout, reg)
}

// metricsServe is `ccq metrics serve`, until SIGINT or SIGTERM (which ccq
// passes on).
func metricsServe(args []string, stderr io.Writer) error {
	fs := newFlags("metrics serve")
	hist := fs.String("history", "", "history file")
	listen := fs.String("listen", "", "host:port")
	sf := addScheduleFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *hist == "" || *listen == "" {
		return usage("metrics serve: --history and --listen are required")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return clierr.WithHint(fmt.Errorf("metrics serve: %w", err), "--listen takes host:port, e.g. 127.0.0.1:9842 or :9842")
	}
	src := metricsSource(*hist)
	if err := sf.watch(src, *hist); err != nil {
		ln.Close()
		return err
	}
	if err := src.Refresh(); err != nil {
		ln.Close()
		return fmt.Errorf("metrics serve: %w", err)
	}
	fmt.Fprintf(stderr, "ccq: serving metrics of %s on http://%s/metrics\n", *hist, ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return metrics.Serve(ctx, ln, src, stderr)
}

// metricsSource reads the history through the summary cache, and looks
// for runs in progress, when it is a logs directory's history; another
// file is only read.
func metricsSource(path string) *metrics.Source {
	if filepath.Base(path) != recorder.HistoryName {
		return metrics.NewSource(path, "", "")
	}
	return metrics.NewSource(path, stats.CachePath(path), filepath.Dir(path))
}
