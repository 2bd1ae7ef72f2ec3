package main

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
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
and session log. A run retried by ccq launch --retries is listed as its
first attempt, with the series' final outcome, followed by its retries
("↳ attempt 2"). --json prints the history lines themselves (one JSON
object per line); --csv a table for spreadsheets.`,
		Flags: append(filterFlags(),
			historyFlag(),
			includeArchivesFlag(),
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
			h, err := a.openHistoryOf(readHistoryFlags(a, c), time.Now())
			if err != nil {
				return err
			}
			defer h.Close()
			h.filter.FailedOnly = c.Bool(flagFailed)
			lines, counts, err := stats.Latest(h.path, h.filter, n, 0)
			if err != nil {
				return err
			}
			warnSkipped(a.stderr, h.path, counts)
			// Runs with no line yet: going, or ended and waiting to be
			// recorded. Their outcome is not known, so --failed leaves
			// them out.
			var live []*recorder.Run
			if filepath.Base(h.path) == recorder.HistoryName && !c.Bool(flagFailed) {
				live = recorder.InProgress(filepath.Dir(h.path), time.Now())
			}
			switch {
			case c.Bool(flagJSON):
				if err := writeWaitingJSON(a.stdout, live, h.filter.MatchTask); err != nil {
					return err
				}
				for _, l := range lines {
					fmt.Fprintf(a.stdout, "%s\n", l.Raw)
				}
				return nil
			case c.Bool(flagCSV):
				return writeRunsCSV(a.stdout, lines)
			}
			writeInProgress(a.stdout, live, h.filter.MatchTask, time.Now())
			if counts.Lines == 0 {
				a.noRunsYet(a.stdout, "runs", h)
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

// writeInProgress lists the runs that have no history line yet, so a run
// whose launcher died while claude carries on stays visible, and so does
// one that ended but could not be recorded yet (Waiting: a full disk, say;
// the next ccq command retries).
func writeInProgress(w io.Writer, runs []*recorder.Run, match func(task string) bool, now time.Time) {
	t := &stats.Table{Align: "llrlll"}
	t.Add(nil, "STARTED", "TASK", "ELAPSED", "STATE", "RUN", "LOG")
	n := 0
	for _, r := range runs {
		if !match(r.Task) {
			continue
		}
		log := r.LogFile
		if log == "" {
			log = r.TranscriptPath
		}
		state, end := "running", now
		if r.Waiting != "" {
			state = "waiting to be recorded: " + r.Waiting
			end = endOf(r)
		}
		t.Add(nil, r.Start.UTC().Format("2006-01-02 15:04:05Z"), stats.Printable(r.Task),
			stats.HumanSeconds(max(end.Sub(r.Start), 0).Seconds()), stats.Printable(state), stats.Printable(r.ID), stats.Printable(log))
		n++
	}
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "in progress:")
	_ = t.Write(w, stats.Style{})
	fmt.Fprintln(w)
}

// endOf is when an ended run ended, as far as its state says.
func endOf(r *recorder.Run) time.Time {
	if !r.EndTime.IsZero() {
		return r.EndTime
	}
	return r.LastSeen
}

// waitingRun is what `ccq runs --json` prints for a run that ended but has
// no history line yet: the history keys known so far, no "success" (the
// outcome is decided when the line is written), and "waiting", the reason.
type waitingRun struct {
	TaskID    string  `json:"task_id"`
	DurationS float64 `json:"duration_s"`
	LogFile   string  `json:"log_file"`
	Timestamp string  `json:"timestamp"`
	RunID     string  `json:"run_id"`
	SessionID string  `json:"session_id,omitempty"`
	Waiting   string  `json:"waiting"`
}

// writeWaitingJSON prints the runs waiting to be recorded, one JSON object
// a line, before the history lines. Runs still going are not printed: the
// JSON lines are runs that have ended.
func writeWaitingJSON(w io.Writer, runs []*recorder.Run, match func(task string) bool) error {
	for _, r := range runs {
		if r.Waiting == "" || !match(r.Task) {
			continue
		}
		log := r.LogFile
		if log == "" {
			log = r.TranscriptPath
		}
		v := waitingRun{
			TaskID: r.Task, LogFile: log, RunID: r.ID, SessionID: r.SessionID, Waiting: r.Waiting,
			Timestamp: r.Start.UTC().Format(recorder.TimestampLayout),
			DurationS: math.Round(max(endOf(r).Sub(r.Start), 0).Seconds()*1000) / 1000,
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", b)
	}
	return nil
}

// runView is what `ccq runs` shows of one history line.
type runView struct {
	time, task, outcome, duration, tokens, runID, log string
	ok                                                bool
	category                                          recorder.Category // as every output counts the run
	raw                                               gjson.Result
	attempt                                           int64 // 0 when not written
	retry                                             bool  // a retry: retry_of set, or attempt above 1
	tsMs                                              int64
}

func viewRun(l *stats.Line) runView {
	g := gjson.ParseBytes(l.Raw)
	v := runView{raw: g, task: stats.Printable(g.Get("task_id").String()), runID: g.Get("run_id").String(), log: g.Get("log_file").String()}
	if l.TSMs != 0 {
		v.time = time.UnixMilli(l.TSMs).UTC().Format("2006-01-02 15:04:05Z")
	} else {
		v.time = "?"
	}
	v.tsMs = l.TSMs
	if a := g.Get("attempt"); a.Type == gjson.Number && a.Int() > 0 {
		v.attempt = a.Int()
	}
	v.retry = g.Get("retry_of").String() != "" || v.attempt > 1
	if v.retry && v.attempt == 0 {
		v.attempt = 2 // a retry_of without an attempt number
	}
	v.ok = g.Get("success").Bool()
	v.category = recorder.Categorize(v.ok, g.Get("error_type").String())
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
	v.outcome = stats.Printable(v.outcome)
	v.log = stats.Printable(v.log)
	v.runID = stats.Printable(v.runID)
	if d := g.Get("duration_s"); d.Exists() {
		v.duration = stats.HumanSeconds(d.Float())
	} else {
		v.duration = "-"
	}
	v.tokens = stats.HumanCount(g.Get("tokens").Int())
	return v
}

func writeRunsTable(w io.Writer, lines []*stats.Line, color bool) error {
	t := &stats.Table{Align: "lllrrll"}
	t.Add(nil, "TIME", "TASK", "OUTCOME", "DURATION", "TOKENS", "RUN", "LOG")
	for _, g := range groupAttempts(lines) {
		for i, v := range g {
			c := stats.ColorRed
			if v.ok {
				c = stats.ColorGreen
			}
			task, outcome := v.task, v.outcome
			switch {
			case i > 0:
				task = fmt.Sprintf("  ↳ attempt %d", v.attempt)
			case v.retry:
				// The first attempt is not among the lines listed.
				task = fmt.Sprintf("%s ↳ attempt %d", v.task, v.attempt)
			}
			if i == 0 && len(g) > 1 {
				last := g[len(g)-1]
				final := "failed"
				if last.ok {
					final = "ok"
				}
				outcome = fmt.Sprintf("%s → %s after %s", outcome, final, stats.Plural(int64(len(g)), "attempt"))
			}
			t.Add([]string{"", "", c}, v.time, task, outcome, v.duration, v.tokens, v.runID, v.log)
		}
	}
	return t.Write(w, stats.Style{Color: color})
}

// groupAttempts puts the attempts of a retried run together: lines is
// newest first, and so are the groups, each placed where its newest
// attempt is; within a group, the first attempt and then its retries by
// attempt number. Lines without retry extras are groups of one.
func groupAttempts(lines []*stats.Line) [][]runView {
	var groups [][]runView
	at := map[string]int{} // task and series id to its group
	for _, l := range lines {
		v := viewRun(l)
		key := v.raw.Get("retry_of").String()
		if key == "" && v.attempt > 0 {
			key = v.raw.Get("run_id").String()
		}
		if key == "" {
			groups = append(groups, []runView{v})
			continue
		}
		k := v.raw.Get("task_id").String() + "\x00" + key
		if i, ok := at[k]; ok {
			groups[i] = append(groups[i], v)
			continue
		}
		at[k] = len(groups)
		groups = append(groups, []runView{v})
	}
	for _, g := range groups {
		slices.SortStableFunc(g, func(a, b runView) int {
			return cmp.Or(cmp.Compare(a.rank(), b.rank()), cmp.Compare(a.tsMs, b.tsMs))
		})
	}
	return groups
}

// rank orders the attempts of a series: the first, then by number.
func (v runView) rank() int64 {
	if !v.retry {
		return 0
	}
	return max(v.attempt, 1)
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
