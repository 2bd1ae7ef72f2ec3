package schedule

import (
	"bytes"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
)

// Extras a catch-up run's history line carries.
const (
	ExtraCatchUp     = "catch_up"      // true
	ExtraCatchUpSlot = "catch_up_slot" // the slot, RFC 3339
)

// History is what the history says about the runs of some tasks: their
// runs since a time, and each task's latest run before it.
type History struct {
	Runs   map[string][]Run
	Before map[string]Run
	Stats  stats.Counts
}

// runsSink collects runs of the wanted tasks, one per goroutine of
// stats.Scan.
type runsSink struct {
	want   map[string]bool
	since  int64
	before map[string]Run
	runs   map[string][]Run
}

func (s *runsSink) Add(r *stats.Record, line []byte, _ int64) {
	if !r.HasTS || !s.want[string(r.Task)] {
		return
	}
	task := string(r.Task)
	start := time.UnixMilli(r.TSMs)
	run := Run{Start: start, End: start.Add(time.Duration(r.DurMs) * time.Millisecond), Outcome: outcome(r)}
	if bytes.Contains(line, []byte(ExtraCatchUpSlot)) {
		if v := gjson.GetBytes(line, ExtraCatchUpSlot); v.Type == gjson.String {
			run.CatchUpSlot, _ = time.Parse(time.RFC3339Nano, v.Str)
		}
	}
	if r.TSMs < s.since {
		if b, ok := s.before[task]; !ok || b.Start.Before(start) {
			s.before[task] = run
		}
		return
	}
	s.runs[task] = append(s.runs[task], run)
}

func outcome(r *stats.Record) string {
	switch {
	case r.Success:
		return "success"
	case len(r.ErrorType) > 0:
		return string(r.ErrorType)
	}
	return "exit_error"
}

// ReadHistory reads the runs of tasks from the history at path: those
// that started at or after since, and the latest one before. A missing
// file is an empty history.
func ReadHistory(path string, tasks []string, since time.Time) (*History, error) {
	want := map[string]bool{}
	for _, t := range tasks {
		want[recorder.CleanID(t)] = true
	}
	sinks, counts, err := stats.Scan(path, 0, func() *runsSink {
		return &runsSink{want: want, since: since.UnixMilli(), before: map[string]Run{}, runs: map[string][]Run{}}
	})
	if err != nil {
		return nil, err
	}
	h := &History{Before: map[string]Run{}, Runs: map[string][]Run{}, Stats: counts}
	for _, s := range sinks {
		for t, b := range s.before {
			if cur, ok := h.Before[t]; !ok || cur.Start.Before(b.Start) {
				h.Before[t] = b
			}
		}
		for t, rs := range s.runs {
			h.Runs[t] = append(h.Runs[t], rs...)
		}
	}
	return h, nil
}

// TaskRuns is the runs of task for Evaluate: those read, the latest one
// before them (which starts the window early enough and is the last run
// when none is newer), and the runs in progress (recorder.InProgress).
func (h *History) TaskRuns(task string, inProgress []*recorder.Run) []Run {
	task = recorder.CleanID(task)
	runs := append([]Run(nil), h.Runs[task]...)
	if b, ok := h.Before[task]; ok {
		runs = append(runs, b)
	}
	for _, r := range inProgress {
		if recorder.CleanID(r.Task) == task {
			runs = append(runs, Run{Start: r.Start, Outcome: "running"})
		}
	}
	return runs
}
