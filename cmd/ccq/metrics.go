package main

import (
	"fmt"
	"net"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/metrics"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const (
	flagTextfile = "textfile"
	flagListen   = "listen"
	// defaultListen is loopback only: the figures name tasks and costs.
	defaultListen = "127.0.0.1:9842"
)

// createMetricsCommand is `ccq metrics`: the history as Prometheus
// metrics, on stdout, in node_exporter's textfile directory, or served.
func createMetricsCommand(a *appEnv) *cli.Command {
	serve := &cli.Command{
		Name:  "serve",
		Usage: "serve /metrics (and /healthz) for Prometheus to scrape",
		Description: `Serves the metrics of ` + "`ccq metrics`" + ` over HTTP until interrupted. Each scrape
reads only the history lines appended since the one before, so a scrape
costs the same however long the history is. /healthz answers "ok".
--listen 127.0.0.1:0 picks a free port; the address is printed on stderr.`,
		Flags: []cli.Flag{
			historyFlag(),
			logsDirFlag(),
			tasksDirFlag(),
			&cli.StringFlag{Name: flagListen, Value: defaultListen, Usage: "address to listen on (host:port)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("metrics serve takes no arguments")
			}
			h, err := a.openHistory(c, time.Now())
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", c.String(flagListen))
			if err != nil {
				return withHint(fmt.Errorf("metrics serve: %w", err), "--listen takes host:port, e.g. 127.0.0.1:9842 or :9842")
			}
			src := metricsSource(h)
			src.WatchSchedules(scheduleWatch(a, c, h.path))
			if err := src.Refresh(); err != nil {
				ln.Close()
				return fmt.Errorf("metrics serve: %w", err)
			}
			fmt.Fprintf(a.stderr, "ccq: serving metrics of %s on http://%s/metrics\n", h.path, ln.Addr())
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return metrics.Serve(ctx, ln, src, a.stderr)
		},
	}
	return &cli.Command{
		Name:  "metrics",
		Usage: "the history as Prometheus metrics: printed, in a textfile for node_exporter, or served",
		Description: `Prints the Prometheus text exposition of the history: per task, runs by
outcome (ccq_runs_total), tokens, cost, a run-duration histogram, the last
run and last success times, runs in progress; and the history lines that
could not be read. --textfile DIR writes DIR/` + metrics.TextfileName + ` instead, atomically
and readable by all (mode 0644), for node_exporter's textfile collector
(--collector.textfile.directory). ` + "`ccq metrics serve`" + ` serves them over HTTP.

The history is read through the summary cache in the logs directory's
` + stats.CacheDir + `, so only lines appended since the last call are read.`,
		Flags: []cli.Flag{
			historyFlag(),
			logsDirFlag(),
			tasksDirFlag(),
			&cli.StringFlag{Name: flagTextfile, Usage: "write DIR/" + metrics.TextfileName + " for node_exporter instead of printing"},
		},
		Subcommands: []*cli.Command{serve},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("metrics takes no arguments (did you mean `ccq metrics serve`?)")
			}
			h, err := a.openHistory(c, time.Now())
			if err != nil {
				return err
			}
			src := metricsSource(h)
			src.WatchSchedules(scheduleWatch(a, c, h.path))
			if err := src.Refresh(); err != nil {
				return fmt.Errorf("metrics: %w", err)
			}
			reg := metrics.NewRegistry(src)
			if dir := c.String(flagTextfile); dir != "" {
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.cwd, dir)
				}
				if err := metrics.WriteTextfile(dir, reg); err != nil {
					return withHint(fmt.Errorf("metrics: %w", err), "--textfile names a directory ccq can write and node_exporter can read")
				}
				return nil
			}
			return metrics.Write(a.stdout, reg)
		},
	}
}

// metricsSource reads h through the summary cache, and looks for runs in
// progress, when h is a logs directory's history; another file is only
// read.
func metricsSource(h history) *metrics.Source {
	if filepath.Base(h.path) != recorder.HistoryName {
		return metrics.NewSource(h.path, "", "")
	}
	return metrics.NewSource(h.path, stats.CachePath(h.path), filepath.Dir(h.path))
}
