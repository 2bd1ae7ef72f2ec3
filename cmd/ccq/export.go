package main

import (
	"strconv"
	"time"

	"github.com/urfave/cli/v2"
)

// createExportCommand is `ccq export`, whose one subcommand, otlp, sends
// history lines to an OpenTelemetry backend. ccq checks the flags and
// resolves the history and the times; ccq-helper, which links the
// OpenTelemetry SDK, sends.
func createExportCommand(a *appEnv) *cli.Command {
	otlpCmd := &cli.Command{
		Name:  "otlp",
		Usage: "send history lines to an OpenTelemetry backend as OTLP log records",
		Description: `Sends each run in the history, as ccq launch sends a run it has just
recorded, as one log record whose body is the history line: a backfill for
runs recorded before export was switched on, or by ccq-hook alone. Only the
log records are sent, no spans or metric points, so sums in the backend do
not count a run twice.

The backend is named as for ccq launch, by the standard variables:
OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT,
OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf or grpc), …_HEADERS, and
CCQ_OTEL_TIMEOUT, the bound on each request of up to 512 records (2s).

Every record carries cicd.pipeline.run.id and log.record.uid (the run id),
so a backend can drop a run it already has.`,
		Flags: append(filterFlags(), historyFlag(), logsDirFlag()),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("export otlp takes no arguments (use --task)")
			}
			h, err := a.openHistoryOf(readHistoryFlags(a, c), time.Now())
			if err != nil {
				return err
			}
			defer h.Close()
			args := []string{"export", "otlp", "--history", h.path}
			for _, t := range h.filter.Tasks {
				args = append(args, "--task", t)
			}
			if h.filter.Since != 0 {
				args = append(args, "--since-ms", strconv.FormatInt(h.filter.Since, 10))
			}
			if h.filter.Until != 0 {
				args = append(args, "--until-ms", strconv.FormatInt(h.filter.Until, 10))
			}
			return handOff(a, "export otlp", args...)
		},
	}
	otlpCmd.OnUsageError = onUsageError
	otlpCmd.HideHelpCommand = true
	return &cli.Command{
		Name:        "export",
		Usage:       "send the history elsewhere (otlp)",
		Subcommands: []*cli.Command{otlpCmd},
	}
}
