package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/schedule"
	"github.com/ccq-dev/ccq/sinks/helper"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const (
	flagMinSuccessRate      = "min-success-rate"
	flagMaxDuration         = "max-duration"
	flagMaxTokensPerSuccess = "max-tokens-per-success"
	flagMinRuns             = "min-runs"
	flagSchedules           = "schedules"
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
Every task with a schedule: in the tasks directory is also held to it: a
slot no run started in (within the task's grace) is a miss. --schedules
checks only that, with no threshold needed.
On a miss, prints one line "ccq: error: …" naming each miss and exits 1;
otherwise prints one "ok" line and exits 0.`,
		Flags: append(filterFlags(),
			historyFlag(),
			logsDirFlag(),
			&cli.Float64Flag{Name: flagMinSuccessRate, Usage: "lowest acceptable success rate of a task, 0 to 1"},
			&cli.DurationFlag{Name: flagMaxDuration, Usage: "longest acceptable run"},
			&cli.Float64Flag{Name: flagMaxTokensPerSuccess, Usage: "most tokens per successful run a task may use"},
			&cli.Int64Flag{Name: flagMinRuns, Usage: "fewest runs that must match"},
			tasksDirFlag(),
			&cli.BoolFlag{Name: flagSchedules, Usage: "check the tasks' schedules for missed slots (the default when no threshold is given)"},
			&cli.StringSliceFlag{Name: flagNotify, Usage: "also send a missed threshold to URL (repeatable; as ccq launch --notify; default: $" + envNotify + ")"},
		),
		Action: func(c *cli.Context) error { return checkAction(a, c) },
	}
}

// checkFlags is `ccq check`'s command line, read once by its action.
type checkFlags struct {
	hist      historyFlags
	th        stats.Thresholds
	tasksDir  string // --tasks-dir, as given
	schedules bool
	notify    []string
}

func checkAction(a *appEnv, c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErr("check takes no arguments (use --task)")
	}
	return runCheck(a, checkFlags{
		hist: readHistoryFlags(a, c),
		th: stats.Thresholds{
			MinSuccessRate:      c.Float64(flagMinSuccessRate),
			MaxDuration:         c.Duration(flagMaxDuration),
			MaxTokensPerSuccess: c.Float64(flagMaxTokensPerSuccess),
			MinRuns:             c.Int64(flagMinRuns),
		},
		tasksDir: c.String(flagTasksDir), schedules: c.Bool(flagSchedules), notify: c.StringSlice(flagNotify),
	})
}

// runCheck holds the runs to the thresholds and the scheduled tasks to
// their slots, and reports the misses.
func runCheck(a *appEnv, f checkFlags) error {
	th := f.th
	if err := checkThresholds(th); err != nil {
		return err
	}
	scheduled, err := scheduledTasks(a, launch.TasksDir(f.tasksDir, a.env, a.cwd), nil)
	if err != nil {
		return err
	}
	if th == (stats.Thresholds{}) && len(scheduled) == 0 && !f.schedules {
		return usageErr("check needs at least one threshold: --%s, --%s, --%s or --%s (or tasks with a schedule:)",
			flagMinSuccessRate, flagMaxDuration, flagMaxTokensPerSuccess, flagMinRuns)
	}
	notifier, closeNotifier, err := checkNotifier(a, f.notify)
	if err != nil {
		return err
	}
	defer closeNotifier()
	h, err := a.openHistoryOf(f.hist, time.Now())
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
	if s := f.hist.since; s != "" {
		where = " since " + s
	}
	sm, err := a.scheduleMisses(h.path, scheduled)
	if err != nil {
		return err
	}
	if misses := append(stats.Check(rep, th), sm...); len(misses) > 0 {
		// One line for cron mail: the first misses, then a count.
		const shown = 3
		msg := strings.Join(misses[:min(shown, len(misses))], "; ")
		if len(misses) > shown {
			msg += fmt.Sprintf("; and %d more", len(misses)-shown)
		}
		if notifier != nil {
			// The finding is the result; a message that cannot be
			// sent is a warning beside it.
			if err := notifier(msg + where); err != nil {
				fmt.Fprintf(a.stderr, "ccq: warning: %v\n", err)
			}
		}
		return withCode(exitFailure, errors.New(msg+where))
	}
	o := rep.Overall
	switch {
	case th == (stats.Thresholds{}):
		fmt.Fprintf(a.stdout, "ok: %s, no missed slot\n", schedule.Count(len(scheduled), "scheduled task"))
	case o.Runs == 0:
		fmt.Fprintf(a.stdout, "ok: no runs%s to check (%s)\n", where, h.path)
	default:
		verb := "meet"
		if o.Runs == 1 {
			verb = "meets"
		}
		fmt.Fprintf(a.stdout, "ok: %s of %s%s %s every threshold (success %.1f%%)\n",
			stats.Plural(o.Runs, "run"), stats.Plural(int64(len(rep.Tasks)), "task"), where, verb, *o.SuccessRate*100)
	}
	return nil
}

// checkThresholds checks the threshold flags.
func checkThresholds(th stats.Thresholds) error {
	if th.MinSuccessRate < 0 || th.MinSuccessRate > 1 {
		return usageErr("--%s must be between 0 and 1", flagMinSuccessRate)
	}
	if th.MaxDuration < 0 || th.MaxTokensPerSuccess < 0 || th.MinRuns < 0 {
		return usageErr("thresholds cannot be negative")
	}
	return nil
}

// checkNotifier is what sends a missed threshold to the --notify URLs
// (else $CCQ_NOTIFY), or nil when there are none. Every URL is checked
// first; ccq-helper sends, and close ends it.
func checkNotifier(a *appEnv, flag []string) (send func(text string) error, close func(), err error) {
	urls, where := notifyURLs(a, flag, nil)
	if len(urls) == 0 {
		return nil, func() {}, nil
	}
	if _, err := allWebhooks(urls, where); err != nil {
		return nil, nil, err
	}
	hc, err := helperSinks(a, helper.Config{Notify: urls}, sinkWhere{notify: where}, false)
	if err != nil {
		return nil, nil, err
	}
	send = func(text string) error {
		ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout+time.Second)
		defer cancel()
		return hc.Check(ctx, text)
	}
	return send, func() { hc.Close(helperTimeout) }, nil
}
