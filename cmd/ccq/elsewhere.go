package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ccq-dev/ccq/internal/logindex"
	"github.com/ccq-dev/ccq/internal/shquote"
	"github.com/ccq-dev/ccq/recorder"
)

// maxElsewhere bounds the logs directories a "no runs" hint names.
const maxElsewhere = 5

// noRunsYet is the friendly answer to an empty or absent history, with a
// hint naming the logs directories where runs were found, if any: cron
// starts jobs in $HOME, so runs often land in ~/logs/scheduler or a
// project's logs directory while the user asks from somewhere else.
func (a *appEnv) noRunsYet(w io.Writer, command string, h history) {
	fmt.Fprintf(w, "no runs recorded yet (looked in %s)\n", h.path)
	found, more := a.historiesElsewhere(h)
	for _, e := range found {
		fmt.Fprintf(w, "ccq: hint: runs are recorded in %s (last written %s): ccq %s --logs-dir %s\n",
			e.dir, e.last.UTC().Format("2006-01-02 15:04Z"), command, shquote.Quote(e.dir))
	}
	if more > 0 {
		fmt.Fprintf(w, "ccq: hint: %d more logs directories with runs are listed in %s\n", more, logindex.Path(a.env))
	}
	if len(found) > 0 {
		fmt.Fprintf(w, "ccq: hint: or set %s to one of them for every ccq command\n", recorder.EnvLogsDir)
	}
}

// otherHistories lists up to maxElsewhere logs directories, other than
// the one h reads, with runs in them (see historiesElsewhere).
func (a *appEnv) otherHistories(h history) []string {
	found, _ := a.historiesElsewhere(h)
	dirs := make([]string, len(found))
	for i, e := range found {
		dirs[i] = e.dir
	}
	return dirs
}

// elsewhere is a logs directory with a history, and when that was last
// written.
type elsewhere struct {
	dir  string
	last time.Time
}

// historiesElsewhere finds logs directories, other than the one h reads,
// whose history.jsonl is not empty: first $CCQ_LOGS_DIR, logs/scheduler in
// the working directory and each of its parents (as git looks for .git),
// and in $HOME; then the directories ccq has written to (internal/logindex),
// most recently written first. It returns up to maxElsewhere of them and
// how many more there are. None when the history was named with --history.
// It only looks (a stat each), and creates nothing.
func (a *appEnv) historiesElsewhere(h history) (found []elsewhere, more int) {
	if h.explicit {
		return nil, 0
	}
	var near []string
	if d := a.env[recorder.EnvLogsDir]; d != "" {
		near = append(near, recorder.LogsDir(d, a.env, a.cwd))
	}
	for d := a.cwd; d != ""; d = filepath.Dir(d) {
		near = append(near, filepath.Join(d, recorder.DefaultLogsSubdir))
		if filepath.Dir(d) == d {
			break
		}
	}
	if home := a.env["HOME"]; filepath.IsAbs(home) {
		near = append(near, filepath.Join(home, recorder.DefaultLogsSubdir))
	}
	seen := map[string]bool{filepath.Dir(h.path): true}
	look := func(dirs []string) []elsewhere {
		var out []elsewhere
		for _, d := range dirs {
			d = filepath.Clean(d)
			if seen[d] {
				continue
			}
			seen[d] = true
			if st, err := os.Stat(recorder.HistoryPath(d)); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
				out = append(out, elsewhere{dir: d, last: st.ModTime()})
			}
		}
		return out
	}
	found = look(near)
	indexed := look(logindex.Read(logindex.Path(a.env)))
	slices.SortStableFunc(indexed, func(x, y elsewhere) int { return y.last.Compare(x.last) })
	found = append(found, indexed...)
	if len(found) > maxElsewhere {
		return found[:maxElsewhere], len(found) - maxElsewhere
	}
	return found, 0
}
