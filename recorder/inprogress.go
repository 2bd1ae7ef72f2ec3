package recorder

import (
	"os"
	"sort"
	"strings"
	"time"
)

// InProgress lists the runs still going in logs directory dir: those with
// state whose launcher or claude process is alive. They have no history
// line yet; CloseStale gives one to those whose processes are all gone.
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
		if err != nil || stale(r, runFile(dir, id), now) {
			continue
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Start.After(runs[j].Start) })
	return runs
}
