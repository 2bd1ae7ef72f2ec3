package schedule

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func runAt(t *testing.T, start string, d time.Duration) Run {
	s := at(t, start)
	return Run{Start: s, End: s.Add(d), Outcome: "success"}
}

func TestEvaluate(t *testing.T) {
	daily := "TZ=UTC 0 3 * * *" // grace 1h
	tests := []struct {
		name, expr, now string
		runs            []Run
		state           string
		missed          []string
	}{
		{"never run", daily, "2026-03-10T12:00:00Z", nil, StateNeverRun, nil},
		{"every slot met", daily, "2026-03-10T12:00:00Z", []Run{
			runAt(t, "2026-03-08T03:00:01Z", time.Minute), runAt(t, "2026-03-09T03:00:00Z", time.Minute), runAt(t, "2026-03-10T03:59:00Z", time.Minute),
		}, StateOK, nil},
		{"one slot missed", daily, "2026-03-10T12:00:00Z", []Run{
			runAt(t, "2026-03-08T03:00:01Z", time.Minute), runAt(t, "2026-03-10T03:00:00Z", time.Minute),
		}, StateMissed, []string{"2026-03-09T03:00:00Z"}},
		{"a run after the grace does not count", daily, "2026-03-10T12:00:00Z", []Run{
			runAt(t, "2026-03-09T03:00:00Z", time.Minute), runAt(t, "2026-03-10T04:00:01Z", time.Minute),
		}, StateMissed, []string{"2026-03-10T03:00:00Z"}},
		{"late within the grace", daily, "2026-03-10T03:30:00Z", []Run{
			runAt(t, "2026-03-09T03:00:00Z", time.Minute),
		}, StateLate, nil},
		{"slots before the first run are not judged", daily, "2026-03-10T12:00:00Z", []Run{
			runAt(t, "2026-03-09T10:00:00Z", time.Minute),
		}, StateMissed, []string{"2026-03-10T03:00:00Z"}},
		{"catch-up run names its slot", daily, "2026-03-10T12:00:00Z", []Run{
			runAt(t, "2026-03-08T03:00:00Z", time.Minute),
			{Start: at(t, "2026-03-09T09:00:00Z"), End: at(t, "2026-03-09T09:01:00Z"), CatchUpSlot: at(t, "2026-03-09T03:00:00Z")},
			runAt(t, "2026-03-10T03:00:00Z", time.Minute),
		}, StateOK, nil},
		{"a long run covers the slot it overlapped", "TZ=UTC 0 * * * *", "2026-03-10T05:30:00Z", []Run{
			runAt(t, "2026-03-10T03:00:00Z", 100*time.Minute), runAt(t, "2026-03-10T05:00:00Z", time.Minute),
		}, StateOK, nil},
		{"running", daily, "2026-03-10T12:00:00Z", []Run{
			runAt(t, "2026-03-09T03:00:00Z", time.Minute), {Start: at(t, "2026-03-10T03:00:00Z"), Outcome: "running"},
		}, StateRunning, nil},
		{"a week at most", "TZ=UTC 0 * * * *", "2026-03-30T00:00:00Z", []Run{
			runAt(t, "2026-01-01T00:00:00Z", time.Minute),
		}, StateMissed, nil}, // MaxSlots, checked below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Evaluate(mustParse(t, tt.expr), Policy{}, tt.runs, at(t, tt.now))
			if st.State != tt.state {
				t.Errorf("state %q (missed %v), want %q", st.State, st.Missed, tt.state)
			}
			if tt.missed != nil {
				var got []string
				for _, m := range st.Missed {
					got = append(got, m.UTC().Format(time.RFC3339))
				}
				if strings.Join(got, " ") != strings.Join(tt.missed, " ") {
					t.Errorf("missed %v, want %v", got, tt.missed)
				}
			}
		})
	}
	st := Evaluate(mustParse(t, "TZ=UTC 0 * * * *"), Policy{}, []Run{runAt(t, "2026-01-01T00:00:00Z", 0)}, at(t, "2026-03-30T00:30:00Z"))
	if len(st.Missed) != MaxSlots || st.Label() != "missed 100" {
		t.Errorf("a task off for months: %s, want missed %d", st.Label(), MaxSlots)
	}
}

// TestEvaluateDST: a 02:30 Berlin task that ran every day it could: no
// slot is invented on the spring-forward day, the repeated autumn hour
// counts once.
func TestEvaluateDST(t *testing.T) {
	s := mustParse(t, "CRON_TZ=Europe/Berlin 30 2 * * *")
	var runs []Run
	for _, d := range []string{"2026-03-27T01:30:00Z", "2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"} {
		runs = append(runs, runAt(t, d, time.Minute))
	}
	if st := Evaluate(s, Policy{}, runs, at(t, "2026-03-31T12:00:00Z")); st.State != StateOK {
		t.Errorf("spring: %s %v, want ok", st.Label(), st.Missed)
	}
	runs = nil
	for _, d := range []string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"} {
		runs = append(runs, runAt(t, d, time.Minute))
	}
	if st := Evaluate(s, Policy{}, runs, at(t, "2026-10-26T12:00:00Z")); st.State != StateOK {
		t.Errorf("autumn: %s %v, want ok", st.Label(), st.Missed)
	}
	// Without the autumn run: one missed slot, not two.
	st := Evaluate(s, Policy{}, []Run{runs[0], runs[2]}, at(t, "2026-10-26T12:00:00Z"))
	if len(st.Missed) != 1 || !st.Missed[0].Equal(at(t, "2026-10-25T00:30:00Z")) {
		t.Errorf("autumn, run missed: %v, want only 2026-10-25T00:30Z", st.Missed)
	}
}

// TestReadHistory reads a hand-written history: runs, catch-up slots,
// other tasks ignored, a malformed line skipped.
func TestReadHistory(t *testing.T) {
	dir := t.TempDir()
	for _, e := range []recorder.Entry{
		{TaskID: "nightly", Success: true, DurationS: 60, Timestamp: "2026-03-01T03:00:00.000Z"},
		{TaskID: "other", Success: true, Timestamp: "2026-03-09T03:00:00.000Z"},
		{TaskID: "nightly", ErrorType: recorder.ErrTimeout, DurationS: 5, Timestamp: "2026-03-09T03:00:00.000Z",
			Extra: map[string]any{ExtraCatchUp: true, ExtraCatchUpSlot: "2026-03-08T03:00:00Z"}},
	} {
		if err := recorder.Append(dir, &e); err != nil {
			t.Fatal(err)
		}
	}
	h, err := ReadHistory(filepath.Join(dir, recorder.HistoryName), []string{"nightly"}, at(t, "2026-03-05T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	runs := h.TaskRuns("nightly", []*recorder.Run{{Task: "nightly", Start: at(t, "2026-03-10T03:00:00Z")}})
	if len(runs) != 3 {
		t.Fatalf("runs %+v, want the one since, the one before, the one in progress", runs)
	}
	r := runs[0]
	if r.Outcome != "timeout" || !r.CatchUpSlot.Equal(at(t, "2026-03-08T03:00:00Z")) || r.End.Sub(r.Start) != 5*time.Second {
		t.Errorf("run since: %+v", r)
	}
	if runs[1].Outcome != "success" || !runs[1].Start.Equal(at(t, "2026-03-01T03:00:00Z")) {
		t.Errorf("run before: %+v", runs[1])
	}
	if !runs[2].End.IsZero() {
		t.Errorf("run in progress: %+v", runs[2])
	}
}
