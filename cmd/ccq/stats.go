package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const flagBy = "by"

func createStatsCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:  "stats",
		Usage: "how are my runs doing: success rate, tokens, cost, failures and durations per task",
		Description: `Reads the history and prints, per task and for all tasks: runs, success
rate, tokens per successful run ("n/a" when none succeeded), cost where
known, durations (mean, p50, p95, last), the median duration per day or
week as a sparkline, and a verdict when the recent window (the last 7 days,
or 4 weeks) is slower or faster than the one before it beyond noise.
Failure patterns follow: counts by error type with the top details.

With ccq launch --retries, each attempt is a run of its own (RUNS,
SUCCESS); SCHEDULED and SCHED OK count each scheduled run once, decided by
its last attempt, and RETRIES the attempts after the first. SKIPPED counts
launches that started nothing because another run of the task held its
lock (skips.jsonl beside the history); they are in no rate. These columns
appear only when there is something to show.

--json prints the same figures in a stable shape; --csv prints one row per
task and per period, for spreadsheets.`,
		Flags: append(filterFlags(),
			historyFlag(),
			includeArchivesFlag(),
			logsDirFlag(),
			&cli.StringFlag{Name: flagBy, Usage: "trend period: day or week (default: day when the runs span 4 weeks or less); or a fingerprint part to group the runs by: model, claude_version, prompt, host, claude_md, settings, git, ccq_version, mcp, tools"},
			&cli.BoolFlag{Name: flagJSON, Usage: "print JSON"},
			&cli.BoolFlag{Name: flagCSV, Usage: "print CSV"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("stats takes no arguments (use --task)")
			}
			f := statsFlags{hist: readHistoryFlags(a, c), by: c.String(flagBy), json: c.Bool(flagJSON), csv: c.Bool(flagCSV)}
			if f.json && f.csv {
				return usageErr("--json and --csv cannot be combined")
			}
			if part, ok := fingerprintBy()[f.by]; ok {
				if f.csv {
					return usageErr("--by %s prints a table or --json, not CSV", f.by)
				}
				return a.statsBy(f.hist, f.by, part, f.json)
			}
			if f.by != "" && f.by != stats.PeriodDay && f.by != stats.PeriodWeek {
				return usageErr("--by must be day or week, or a fingerprint part (model, claude_version, prompt, host, …), not %q", f.by)
			}
			return a.stats(f)
		},
	}
}

// statsFlags are ccq stats' flags, read once.
type statsFlags struct {
	hist      historyFlags
	by        string // day, week or ""
	json, csv bool
}

// stats is ccq stats by period: the report, printed as f asks.
func (a *appEnv) stats(f statsFlags) error {
	h, err := a.openHistoryOf(f.hist, time.Now())
	if err != nil {
		return err
	}
	defer h.Close()
	rep, err := stats.Compute(h.path, stats.Options{Filter: h.filter, Period: f.by, Cache: h.cache()})
	if err != nil {
		return err
	}
	warnSkipped(a.stderr, h.path, stats.Counts{Skipped: rep.Skipped, FirstSkipped: rep.FirstSkippedLine})
	// Launches skipped while another run held the task's lock: a skips
	// file that cannot be read only costs that column.
	skipsPath := launch.SkipsPath(filepath.Dir(h.orig))
	if sc, err := stats.CountSkips(skipsPath, h.filter); err != nil {
		fmt.Fprintf(a.stderr, "ccq: warning: cannot read %s: %v\n", skipsPath, err)
	} else {
		warnSkipped(a.stderr, skipsPath, stats.Counts{Skipped: sc.Malformed, FirstSkipped: sc.FirstMalformed})
		rep.AddSkips(sc)
	}
	if f.json || f.csv {
		if rep.Lines == 0 {
			a.noRunsYet(a.stderr, "stats", h)
		}
		if f.json {
			return stats.WriteJSON(a.stdout, rep)
		}
		return stats.WriteCSV(a.stdout, rep)
	}
	if rep.Lines == 0 {
		a.noRunsYet(a.stdout, "stats", h)
		return nil
	}
	if rep.Overall.Runs == 0 {
		fmt.Fprintf(a.stdout, "no runs match the filters (%s in %s)\n", stats.Plural(int64(rep.Lines-rep.Skipped), "run"), h.path)
		return nil
	}
	o := rep.Overall
	fmt.Fprintf(a.stdout, "%s: %s of %s, %s to %s\n\n", h.path, stats.Plural(o.Runs, "run"),
		stats.Plural(int64(len(rep.Tasks)), "task"), day(o.FirstRun), day(o.LastRun))
	return stats.WriteTable(a.stdout, rep, stats.Style{Color: a.useColor()})
}

func day(ts *string) string {
	if ts == nil || len(*ts) < 16 {
		return "?"
	}
	return (*ts)[:10] + " " + (*ts)[11:16]
}

// cache is the summary cache to read h through: a logs directory's
// history has one beside it; a file named with another name is only read.
// stats.Compute uses it when the filters select by task only.
func (h history) cache() string {
	if filepath.Base(h.path) != recorder.HistoryName {
		return ""
	}
	return stats.CachePath(h.path)
}
