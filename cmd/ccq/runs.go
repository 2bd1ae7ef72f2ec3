package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/tidwall/gjson"
	"github.com/urfave/cli/v2"
)

const (
	flagLimit  = "n"
	flagFailed = "failed"
)

func createRunsCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list the latest runs, newest first",
		Description: `One line per run: start time (UTC), task, outcome, duration, tokens, run id
and session log. --json prints the history lines themselves (one JSON
object per line); --csv a table for spreadsheets.`,
		Flags: append(filterFlags(),
			historyFlag(),
			logsDirFlag(),
			&cli.IntFlag{Name: flagLimit, Value: 20, Usage: "how many runs to list"},
			&cli.BoolFlag{Name: flagFailed, Usage: "only failed runs"},
			&cli.BoolFlag{Name: flagJSON, Usage: "print the history lines (JSON Lines)"},
			&cli.BoolFlag{Name: flagCSV, Usage: "print CSV"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("runs takes no arguments (use --task)")
			}
			if c.Bool(flagJSON) && c.Bool(flagCSV) {
				return usageErr("--json and --csv cannot be combined")
			}
			n := c.Int(flagLimit)
			if n < 1 {
				return usageErr("-n must be at least 1")
			}
			h, err := a.openHistory(c, time.Now())
			if err != nil {
				return err
			}
			h.filter.FailedOnly = c.Bool(flagFailed)
			lines, counts, err := stats.Latest(h.path, h.filter, n, 0)
			if err != nil {
				return err
			}
			warnSkipped(a.stderr, h.path, counts)
			switch {
			case c.Bool(flagJSON):
				for _, l := range lines {
					fmt.Fprintf(a.stdout, "%s\n", l.Raw)
				}
				return nil
			case c.Bool(flagCSV):
				return writeRunsCSV(a.stdout, lines)
			}
			if filepath.Base(h.path) == recorder.HistoryName && !c.Bool(flagFailed) {
				writeInProgress(a.stdout, recorder.InProgress(filepath.Dir(h.path), time.Now()), h.filter.MatchTask, time.Now())
			}
			if counts.Lines == 0 {
				a.noRunsYet(a.stdout, c, h)
				return nil
			}
			if len(lines) == 0 {
				fmt.Fprintf(a.stdout, "no runs match the filters (%s in %s)\n", stats.Plural(int64(counts.Lines-counts.Skipped), "run"), h.path)
				return nil
			}
			return writeRunsTable(a.stdout, lines, a.useColor())
		},
	}
}

// writeInProgress lists the runs still going (they have no history line
// yet), so a run whose launcher died while claude carries on stays visible.
func writeInProgress(w io.Writer, runs []*recorder.Run, match func(task string) bool, now time.Time) {
	t := &stats.Table{Align: "llrll"}
	t.Add(nil, "STARTED", "TASK", "ELAPSED", "RUN", "LOG")
	n := 0
	for _, r := range runs {
		if !match(r.Task) {
			continue
		}
		log := r.LogFile
		if log == "" {
			log = r.TranscriptPath
		}
		t.Add(nil, r.Start.UTC().Format("2006-01-02 15:04:05Z"), printable(r.Task),
			stats.HumanSeconds(now.Sub(r.Start).Seconds()), printable(r.ID), printable(log))
		n++
	}
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "in progress:")
	_ = t.Write(w, stats.Style{})
	fmt.Fprintln(w)
}

// runView is what `ccq runs` shows of one history line.
type runView struct {
	time, task, outcome, duration, tokens, runID, log string
	ok                                                bool
	raw                                               gjson.Result
}

func viewRun(l *stats.Line) runView {
	g := gjson.ParseBytes(l.Raw)
	v := runView{raw: g, task: printable(g.Get("task_id").String()), runID: g.Get("run_id").String(), log: g.Get("log_file").String()}
	if l.TSMs != 0 {
		v.time = time.UnixMilli(l.TSMs).UTC().Format("2006-01-02 15:04:05Z")
	} else {
		v.time = "?"
	}
	v.ok = g.Get("success").Bool()
	if v.ok {
		v.outcome = "ok"
	} else {
		v.outcome = g.Get("error_type").String()
		if v.outcome == "" {
			v.outcome = stats.ErrUnknown
		}
		if d := g.Get("error_detail").String(); d != "" {
			v.outcome += ": " + d
		}
	}
	v.outcome = printable(v.outcome)
	v.log = printable(v.log)
	v.runID = printable(v.runID)
	if d := g.Get("duration_s"); d.Exists() {
		v.duration = stats.HumanSeconds(d.Float())
	} else {
		v.duration = "-"
	}
	v.tokens = stats.HumanCount(g.Get("tokens").Int())
	return v
}

// printable replaces control characters, so a history line cannot move the
// cursor or change colours on the reader's terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

func writeRunsTable(w io.Writer, lines []*stats.Line, color bool) error {
	t := &stats.Table{Align: "lllrrll"}
	t.Add(nil, "TIME", "TASK", "OUTCOME", "DURATION", "TOKENS", "RUN", "LOG")
	for _, l := range lines {
		v := viewRun(l)
		c := stats.ColorRed
		if v.ok {
			c = stats.ColorGreen
		}
		t.Add([]string{"", "", c}, v.time, v.task, v.outcome, v.duration, v.tokens, v.runID, v.log)
	}
	return t.Write(w, stats.Style{Color: color})
}

func writeRunsCSV(w io.Writer, lines []*stats.Line) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"timestamp", "task_id", "run_id", "success", "error_type", "error_detail", "duration_s", "tokens", "cost_usd", "log_file"})
	for _, l := range lines {
		g := gjson.ParseBytes(l.Raw)
		_ = cw.Write([]string{
			g.Get("timestamp").String(), g.Get("task_id").String(), g.Get("run_id").String(),
			strconv.FormatBool(g.Get("success").Bool()), g.Get("error_type").String(), g.Get("error_detail").String(),
			g.Get("duration_s").Raw, g.Get("tokens").Raw, g.Get("cost_usd").Raw, g.Get("log_file").String(),
		})
	}
	cw.Flush()
	return cw.Error()
}
