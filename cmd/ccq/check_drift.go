package main

import (
	"fmt"
	"io"

	"github.com/ccq-dev/ccq/drift"
	"github.com/ccq-dev/ccq/stats"
)

// printShifts names, for each task checked whose numbers shifted in its
// recent runs, the shift and the fingerprint parts that changed with it.
// A history that cannot be read says nothing more than the check did.
func printShifts(w io.Writer, path string, rep *stats.Report) {
	checked := map[string]bool{}
	for _, t := range rep.Tasks {
		checked[t.TaskID] = true
	}
	runs, err := drift.ReadTail(path, func(task string) bool { return checked[task] })
	if err != nil {
		return
	}
	for _, t := range rep.Tasks {
		if s := drift.Find(runs[t.TaskID]); s != nil {
			fmt.Fprintf(w, "shift: task %s: %s\n", t.TaskID, s.Message())
		}
	}
}
