package schedule

import (
	"fmt"
	"sort"
	"time"
)

// How far back missed slots are looked for: a week, and at most
// MaxSlots slots, so a task off for a year reports a bounded count.
const (
	Window   = 7 * 24 * time.Hour
	MaxSlots = 100
)

// States of a scheduled task.
const (
	StateOK           = "ok"
	StateRunning      = "running"
	StateLate         = "late"
	StateMissed       = "missed" // shown as "missed N"
	StateNeverRun     = "never run"
	StateNotInstalled = "not installed"
)

// Run is what the watch needs of one run of a task.
type Run struct {
	Start   time.Time
	End     time.Time // zero while running
	Outcome string    // success, timeout, exit_error, exception, running
	// CatchUpSlot is the slot a catch-up run was started for (its
	// catch_up_slot extra); zero for an ordinary run.
	CatchUpSlot time.Time
}

// Policy is how a task's slots are judged.
type Policy struct {
	Grace   time.Duration // 0: Spec.DefaultGrace
	Jitter  time.Duration // RandomizedDelaySec: a start may be this much later
	CatchUp bool
}

// Status is a scheduled task as the watch sees it at Now.
type Status struct {
	Spec    *Spec
	Grace   time.Duration
	Now     time.Time
	LastRun *Run      // latest run started, nil when none
	Next    time.Time // next slot after Now
	Due     time.Time // the current slot, while it is late (within grace)
	Missed  []time.Time
	Running bool
	State   string // see the State constants; "missed" when Missed is not empty
}

// Label is the state as `ccq schedule list` shows it ("missed 3").
func (st *Status) Label() string {
	if st.State == StateMissed {
		return fmt.Sprintf("missed %d", len(st.Missed))
	}
	return st.State
}

// Evaluate judges the slots of spec against runs (any order) at now.
//
// A slot s is met when a run started in [s, s+jitter+grace], when a run
// was going on at s (an overlap policy skipped the launch, rightly), or
// when a catch-up run names s. Only slots after the task's first run are
// judged, within Window and the newest MaxSlots: ccq does not know what
// happened before it watched. A slot whose grace has not passed is late,
// not missed. A task with no run at all is "never run".
func Evaluate(spec *Spec, p Policy, runs []Run, now time.Time) *Status {
	grace := p.Grace
	if grace <= 0 {
		grace = spec.DefaultGrace()
	}
	st := &Status{Spec: spec, Grace: grace, Now: now, Next: spec.Next(now)}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Start.Before(runs[j].Start) })
	for i := range runs {
		if runs[i].End.IsZero() {
			st.Running = true
		}
	}
	if len(runs) == 0 {
		st.State = StateNeverRun
		return st
	}
	st.LastRun = &runs[len(runs)-1]
	from := runs[0].Start
	if w := now.Add(-Window); from.Before(w) {
		from = w
	}
	window := p.Jitter + grace
	idx := newRunIndex(runs)
	for _, s := range spec.Slots(from, now, MaxSlots) {
		if idx.met(s, window) {
			continue
		}
		if now.Sub(s) <= window {
			st.Due = s
			continue
		}
		st.Missed = append(st.Missed, s)
	}
	switch {
	case st.Running:
		st.State = StateRunning
	case len(st.Missed) > 0:
		st.State = StateMissed
	case !st.Due.IsZero():
		st.State = StateLate
	default:
		st.State = StateOK
	}
	return st
}

// runIndex answers "was slot s met" in O(log n): runs sorted by start,
// the latest end among the runs before each index, the catch-up slots.
type runIndex struct {
	runs    []Run
	maxEnd  []time.Time // maxEnd[i]: latest end of runs[:i]; far future while one runs
	catchUp map[int64]bool
}

func newRunIndex(runs []Run) *runIndex {
	x := &runIndex{runs: runs, maxEnd: make([]time.Time, len(runs)+1), catchUp: map[int64]bool{}}
	forever := time.Unix(1<<62, 0)
	for i, r := range runs {
		end := r.End
		if end.IsZero() {
			end = forever
		}
		x.maxEnd[i+1] = x.maxEnd[i]
		if end.After(x.maxEnd[i+1]) {
			x.maxEnd[i+1] = end
		}
		if !r.CatchUpSlot.IsZero() {
			x.catchUp[r.CatchUpSlot.Unix()] = true
		}
	}
	return x
}

// met reports whether slot s has a run (see Evaluate).
func (x *runIndex) met(s time.Time, window time.Duration) bool {
	i := sort.Search(len(x.runs), func(i int) bool { return !x.runs[i].Start.Before(s) })
	if i < len(x.runs) && !x.runs[i].Start.After(s.Add(window)) {
		return true
	}
	return x.maxEnd[i].After(s) || x.catchUp[s.Unix()]
}

// LastMissed is the newest missed slot not made up for since: no run
// started after it. It is what a catch-up run is for; zero when none.
func (st *Status) LastMissed() time.Time {
	if len(st.Missed) == 0 {
		return time.Time{}
	}
	s := st.Missed[len(st.Missed)-1]
	if st.LastRun != nil && st.LastRun.Start.After(s) {
		return time.Time{}
	}
	return s
}
