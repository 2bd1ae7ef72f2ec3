package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/prune"
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
	// flagIncludeArchives reads the archives ccq prune --archive wrote too.
	flagIncludeArchives = "include-archives"
	envNoColor          = "NO_COLOR"
)

func historyFlag() cli.Flag {
	return &cli.StringFlag{Name: flagHistory, Usage: "history file to read (default: " + recorder.HistoryName + " in the logs directory)"}
}

// includeArchivesFlag is --include-archives, for the commands that read the
// whole record (stats, runs); openHistory does the work.
func includeArchivesFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagIncludeArchives, Usage: "read the history's archives (" + prune.ArchiveDir + "/history-*.jsonl.gz, from ccq prune --archive) too"}
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
	path     string
	orig     string // the history file named, where path is a copy of it and its archives
	explicit bool   // named with --history
	filter   stats.Filter
	// close removes the archives-and-history copy --include-archives
	// reads (path); nil otherwise.
	close func()
}

// Close lets go of what openHistory made for the command.
func (h history) Close() {
	if h.close != nil {
		h.close()
	}
}

// historyFlags are the flags that name a history and filter its runs.
type historyFlags struct {
	logsDir         string // resolved: --logs-dir, $CCQ_LOGS_DIR, the default
	history         string // --history, as given
	includeArchives bool
	tasks           []string // --task patterns
	since, until    string   // as given: relative to the command's now
}

// readHistoryFlags reads the history flags of the command c.
func readHistoryFlags(a *appEnv, c *cli.Context) historyFlags {
	return historyFlags{logsDir: readLogsDir(a, c), history: c.String(flagHistory), includeArchives: c.Bool(flagIncludeArchives),
		tasks: c.StringSlice(flagTaskGlob), since: c.String(flagSince), until: c.String(flagUntil)}
}

// openHistoryOf resolves the history file and the filters. When the file
// is a logs directory's history.jsonl, runs in that directory whose
// recorder died are closed first (recorder.CloseStale), so they count; a
// file with another name is only read, never written.
func (a *appEnv) openHistoryOf(f historyFlags, now time.Time) (history, error) {
	var h history
	h.path = recorder.HistoryPath(f.logsDir)
	if p := f.history; p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(a.cwd, p)
		}
		h.path, h.explicit = filepath.Clean(p), true
	}
	if filepath.Base(h.path) == recorder.HistoryName {
		if _, err := recorder.CloseStale(filepath.Dir(h.path), now); err != nil {
			fmt.Fprintf(a.stderr, "ccq: warning: cannot close unfinished runs: %v\n", err)
		}
	}
	h.orig = h.path
	if f.includeArchives {
		// The readers take one path: read a private copy of the archives
		// followed by the history (no summary cache is kept for it).
		dir, err := os.MkdirTemp("", "ccq-archives-")
		if err != nil {
			return h, fmt.Errorf("--include-archives: %w", err)
		}
		h.close = removeOnSignal(dir)
		p, err := prune.Combined(dir, h.path)
		if err != nil {
			h.Close()
			h.close = nil
			return h, fmt.Errorf("--include-archives: %w", err)
		}
		h.path = p
	}
	h.filter.Tasks = f.tasks
	for _, g := range h.filter.Tasks {
		if _, err := path.Match(g, ""); err != nil {
			return h, usageErr("bad --task pattern %q: %v", g, err)
		}
	}
	var err error
	if s := f.since; s != "" {
		if h.filter.Since, err = stats.ParseWhen(s, now, false); err != nil {
			return h, usageErr("--since: %v", err)
		}
	}
	if s := f.until; s != "" {
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

// useColor: only on a terminal, and never when NO_COLOR is set.
func (a *appEnv) useColor() bool {
	_, off := a.env[envNoColor]
	return !off && isTerminal(a.stdout)
}

// removeOnSignal removes dir, the copy --include-archives reads, when
// SIGINT or SIGTERM ends the command before the returned function does
// (which removes it too): the copy can be as large as the history with its
// archives, and the temporary directory is not cleaned for ccq. After a
// signal the process exits 128+n, as if the signal had ended it.
func removeOnSignal(dir string) (remove func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			os.RemoveAll(dir)
			n, _ := s.(syscall.Signal)
			os.Exit(exitSignalBase + int(n))
		case <-done:
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			os.RemoveAll(dir)
		})
	}
}
