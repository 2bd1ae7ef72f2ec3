package main

import (
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const (
	flagTextfile = "textfile"
	flagListen   = "listen"
	// textfileName is the file --textfile writes (metrics.TextfileName,
	// in the helper).
	textfileName = "ccq.prom"
	// defaultListen is loopback only: the figures name tasks and costs.
	defaultListen = "127.0.0.1:9842"
)

// createMetricsCommand is `ccq metrics`: the history as Prometheus
// metrics, on stdout, in node_exporter's textfile directory, or served.
// ccq checks the flags and resolves the history; ccq-helper, which links
// client_golang, does the rest.
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
			h, err := a.openHistoryOf(readHistoryFlags(a, c), time.Now())
			if err != nil {
				return err
			}
			return handOff(a, "metrics serve", append([]string{"metrics", "serve", "--history", h.path, "--listen", c.String(flagListen)}, a.scheduleArgs(c.String(flagTasksDir))...)...)
		},
	}
	return &cli.Command{
		Name:  "metrics",
		Usage: "the history as Prometheus metrics: printed, in a textfile for node_exporter, or served",
		Description: `Prints the Prometheus text exposition of the history: per task, runs by
outcome (ccq_runs_total), tokens, cost, a run-duration histogram, the last
run and last success times, runs in progress; and the history lines that
could not be read. --textfile DIR writes DIR/` + textfileName + ` instead, atomically
and readable by all (mode 0644), for node_exporter's textfile collector
(--collector.textfile.directory). ` + "`ccq metrics serve`" + ` serves them over HTTP.

The history is read through the summary cache in the logs directory's
` + stats.CacheDir + `, so only lines appended since the last call are read.`,
		Flags: []cli.Flag{
			historyFlag(),
			logsDirFlag(),
			tasksDirFlag(),
			&cli.StringFlag{Name: flagTextfile, Usage: "write DIR/" + textfileName + " for node_exporter instead of printing"},
		},
		Subcommands: []*cli.Command{serve},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("metrics takes no arguments (did you mean `ccq metrics serve`?)")
			}
			h, err := a.openHistoryOf(readHistoryFlags(a, c), time.Now())
			if err != nil {
				return err
			}
			args := append([]string{"metrics", "--history", h.path}, a.scheduleArgs(c.String(flagTasksDir))...)
			if dir := c.String(flagTextfile); dir != "" {
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.cwd, dir)
				}
				args = append(args, "--textfile", dir)
			}
			return handOff(a, "metrics", args...)
		},
	}
}
