package recorder

import (
	"os"
	"sort"
	"strings"
	"time"
)

// InProgress lists the runs still going in logs directory dir: those with
// state whose launcher or claude process is alive. They have no history
// line yet. A run whose processes are all gone is recorded now; if that
// fails (a full disk), it is listed too, with Waiting saying why.
// Newest first.
func InProgress(dir string, now time.Time) []*Run {
	ents, err := os.ReadDir(RunsDir(dir))
	if err != nil {
		return nil
	}
	var runs []*Run
	for _, de := range ents {
		name := de.Name()
		if !strings.HasSuffix(name, ".jsonl") {
			continue
		}
		id := strings.TrimSuffix(name, ".jsonl")
		r, err := ReadRun(dir, id)
		if err != nil {
			continue
		}
		if stale(r, runFile(dir, id), now) {
			closed, err := closeIfStale(dir, id, now)
			if closed || err == nil {
				continue
			}
			r.Waiting = err.Error()
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Start.After(runs[j].Start) })
	return runs
}
