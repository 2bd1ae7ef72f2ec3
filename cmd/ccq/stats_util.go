package main

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

// Flags shared by the commands that read the history (stats, runs, show,
// check). flagJSON comes from launch.go.
const (
	flagHistory  = "history"
	flagTaskGlob = "task"
	flagSince    = "since"
	flagUntil    = "until"
	flagCSV      = "csv"
	envNoColor   = "NO_COLOR"
)

func historyFlag() cli.Flag {
	return &cli.StringFlag{Name: flagHistory, Usage: "history file to read (default: " + recorder.HistoryName + " in the logs directory)"}
}

// filterFlags are --task, --since and --until.
func filterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: flagTaskGlob, Aliases: []string{"t"}, Usage: "only tasks matching this glob (repeatable)"},
		&cli.StringFlag{Name: flagSince, Usage: "only runs started at or after: an age (7d, 24h, 90m), a date (2026-03-01, UTC) or an RFC 3339 time"},
		&cli.StringFlag{Name: flagUntil, Usage: "only runs started before: an age, a date (that whole day included) or an RFC 3339 time"},
	}
}

// history is the file a command reads and the runs it selects.
type history struct {
	path   string
	filter stats.Filter
}

// openHistory resolves the history file and the filters. When the file is
// a logs directory's history.jsonl, runs in that directory whose recorder
// died are closed first (recorder.CloseStale), so they count; a file with
// another name is only read, never written.
func (a *appEnv) openHistory(c *cli.Context, now time.Time) (history, error) {
	var h history
	h.path = recorder.HistoryPath(a.logsDir(c))
	if p := c.String(flagHistory); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(a.cwd, p)
		}
		h.path = filepath.Clean(p)
	}
	if filepath.Base(h.path) == recorder.HistoryName {
		if _, err := recorder.CloseStale(filepath.Dir(h.path), now); err != nil {
			fmt.Fprintf(a.stderr, "ccq: warning: cannot close unfinished runs: %v\n", err)
		}
	}
	h.filter.Tasks = c.StringSlice(flagTaskGlob)
	for _, g := range h.filter.Tasks {
		if _, err := path.Match(g, ""); err != nil {
			return h, usageErr("bad --task pattern %q: %v", g, err)
		}
	}
	var err error
	if s := c.String(flagSince); s != "" {
		if h.filter.Since, err = stats.ParseWhen(s, now, false); err != nil {
			return h, usageErr("--since: %v", err)
		}
	}
	if s := c.String(flagUntil); s != "" {
		if h.filter.Until, err = stats.ParseWhen(s, now, true); err != nil {
			return h, usageErr("--until: %v", err)
		}
	}
	return h, nil
}

// warnSkipped reports malformed lines once, on stderr.
func warnSkipped(w io.Writer, path string, c stats.Counts) {
	if c.Skipped == 0 {
		return
	}
	s := "s"
	if c.Skipped == 1 {
		s = ""
	}
	fmt.Fprintf(w, "ccq: warning: skipped %d malformed line%s in %s (first: line %d)\n", c.Skipped, s, path, c.FirstSkipped)
}

// noRunsYet is the friendly answer to an empty or absent history.
func noRunsYet(w io.Writer, path string) {
	fmt.Fprintf(w, "no runs recorded yet (looked in %s)\n", path)
}

// useColor: only on a terminal, and never when NO_COLOR is set.
func (a *appEnv) useColor() bool {
	_, off := a.env[envNoColor]
	return !off && isTerminal(a.stdout)
}
