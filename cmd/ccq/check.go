package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/sinks/notify"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const (
	flagMinSuccessRate      = "min-success-rate"
	flagMaxDuration         = "max-duration"
	flagMaxTokensPerSuccess = "max-tokens-per-success"
	flagMinRuns             = "min-runs"
)

func createCheckCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "exit 1 when runs miss a threshold (for cron mail and CI)",
		Description: `Each task whose runs match the filters is held to the thresholds given:
  --min-success-rate R        successes/runs of each task at least R (0..1)
  --max-duration D            no run longer than D (90s, 30m, 2h)
  --max-tokens-per-success N  tokens/successes of each task at most N (a task
                              with tokens and no success misses it)
  --min-runs N                at least N runs in all (catches a schedule that
                              stopped firing)
On a miss, prints one line "ccq: error: …" naming each miss and exits 1;
otherwise prints one "ok" line and exits 0.`,
		Flags: append(filterFlags(),
			historyFlag(),
			logsDirFlag(),
			&cli.Float64Flag{Name: flagMinSuccessRate, Usage: "lowest acceptable success rate of a task, 0 to 1"},
			&cli.DurationFlag{Name: flagMaxDuration, Usage: "longest acceptable run"},
			&cli.Float64Flag{Name: flagMaxTokensPerSuccess, Usage: "most tokens per successful run a task may use"},
			&cli.Int64Flag{Name: flagMinRuns, Usage: "fewest runs that must match"},
			&cli.StringSliceFlag{Name: flagNotify, Usage: "also send a missed threshold to URL (repeatable; as ccq launch --notify; default: $" + envNotify + ")"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("check takes no arguments (use --task)")
			}
			th := stats.Thresholds{
				MinSuccessRate:      c.Float64(flagMinSuccessRate),
				MaxDuration:         c.Duration(flagMaxDuration),
				MaxTokensPerSuccess: c.Float64(flagMaxTokensPerSuccess),
				MinRuns:             c.Int64(flagMinRuns),
			}
			if th == (stats.Thresholds{}) {
				return usageErr("check needs at least one threshold: --%s, --%s, --%s or --%s",
					flagMinSuccessRate, flagMaxDuration, flagMaxTokensPerSuccess, flagMinRuns)
			}
			if th.MinSuccessRate < 0 || th.MinSuccessRate > 1 {
				return usageErr("--%s must be between 0 and 1", flagMinSuccessRate)
			}
			if th.MaxDuration < 0 || th.MaxTokensPerSuccess < 0 || th.MinRuns < 0 {
				return usageErr("thresholds cannot be negative")
			}
			var notifier *notify.Notifier
			if urls, where := notifyURLs(a, c.StringSlice(flagNotify), nil); len(urls) > 0 {
				n, err := newNotifier(notify.Config{URLs: urls}, where)
				if err != nil {
					return err
				}
				notifier = n
			}
			h, err := a.openHistory(c, time.Now())
			if err != nil {
				return err
			}
			rep, err := stats.Compute(h.path, stats.Options{Filter: h.filter})
			if err != nil {
				return err
			}
			warnSkipped(a.stderr, h.path, stats.Counts{Skipped: rep.Skipped, FirstSkipped: rep.FirstSkippedLine})
			printShifts(a.stdout, h.path, rep)
			where := ""
			if s := c.String(flagSince); s != "" {
				where = " since " + s
			}
			if misses := stats.Check(rep, th); len(misses) > 0 {
				// One line for cron mail: the first misses, then a count.
				const shown = 3
				msg := strings.Join(misses[:min(shown, len(misses))], "; ")
				if len(misses) > shown {
					msg += fmt.Sprintf("; and %d more", len(misses)-shown)
				}
				if notifier != nil {
					// The finding is the result; a message that cannot be
					// sent is a warning beside it.
					if err := notifier.Check(context.Background(), msg+where); err != nil {
						fmt.Fprintf(a.stderr, "ccq: warning: %v\n", err)
					}
				}
				return withCode(exitFailure, errors.New(msg+where))
			}
			o := rep.Overall
			if o.Runs == 0 {
				fmt.Fprintf(a.stdout, "ok: no runs%s to check (%s)\n", where, h.path)
				return nil
			}
			verb := "meet"
			if o.Runs == 1 {
				verb = "meets"
			}
			fmt.Fprintf(a.stdout, "ok: %s of %s%s %s every threshold (success %.1f%%)\n",
				stats.Plural(o.Runs, "run"), stats.Plural(int64(len(rep.Tasks)), "task"), where, verb, *o.SuccessRate*100)
			return nil
		},
	}
}
