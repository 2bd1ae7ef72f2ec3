package stats

import (
	"math"
	"slices"
)

// A summary is what Compute aggregates, kept in a form that can be saved
// and added to: the trend cells of a Report depend on the newest run (the
// grid ends with its day or week), so a summary keeps cells by calendar
// instead: one per UTC day for the days a day grid can reach (from
// dayFloor on), one per week for the older days a week grid can reach
// (from weekFloor on), nothing for older runs (they count in the totals
// only). A Report's day cell is a day's cell; its week cell is the week's
// cell merged with the cells of that week's days. A cell merge gives the
// same result however the runs were split (see durs.merge), so a Report
// built from a summary equals Compute's. The floors follow the newest run
// (floorsFor), so a summary holds tasks × (DayPeriods + WeekPeriods + the
// margins) cells at most, as Compute does, and each line goes to one cell.

// DurationBuckets are the upper bounds, in seconds, of the run-duration
// histogram a summary keeps per task (the +Inf bucket is implied): ten
// seconds to four hours, for runs that take minutes. A run falls in the
// bucket le=X exactly when its duration_s, in whole milliseconds as the
// recorder writes it, is at most X.
func DurationBuckets() []float64 {
	out := make([]float64, len(durBoundsMs))
	for i, b := range durBoundsMs {
		out[i] = float64(b) / 1000
	}
	return out
}

const numDurBounds = 14

var durBoundsMs = [numDurBounds]int64{
	10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
	1_800_000, 2_700_000, 3_600_000, 5_400_000, 7_200_000, 10_800_000, 14_400_000,
}

// bucketIndex is the first bound at or above ms, numDurBounds for +Inf.
func bucketIndex(ms int64) int {
	for i, b := range durBoundsMs {
		if ms <= b {
			return i
		}
	}
	return numDurBounds
}

// Margins kept below the oldest cell a grid anchored at the newest run
// needs, so that an anchor moving back a little (an out-of-order line
// leaving the last 256 KB) still finds its cells.
const (
	dayMargin  = 14
	weekMargin = 4
)

// sumExtra is what a summary keeps per task beyond taskAgg's totals.
type sumExtra struct {
	buckets     [numDurBounds + 1]int64 // runs per duration bucket, not cumulative
	days, weeks map[int64]*cell         // keyed by dayKey and weekKey
	// Runs before dayFloor go to a week cell, before weekFloor to none.
	dayFloor, weekFloor int64

	// The cells the last line went to: lines mostly come in time order.
	lastDay, lastWeek int64
	dayCell, weekCell *cell
}

func newSumExtra(dayFloor, weekFloor int64) *sumExtra {
	return &sumExtra{days: map[int64]*cell{}, weeks: map[int64]*cell{}, dayFloor: dayFloor, weekFloor: weekFloor}
}

func dayKey(ts int64) int64  { return floorDiv(ts, dayMs) }
func weekKey(ts int64) int64 { return floorDiv(ts-mondayMs, weekMs) }

func cellFor(m map[int64]*cell, k int64) *cell {
	c := m[k]
	if c == nil {
		c = &cell{durs: newDurs(exactPerCell)}
		m[k] = c
	}
	return c
}

func (x *sumExtra) addCells(r *Record) {
	var c *cell
	if d := dayKey(r.TSMs); d >= x.dayFloor {
		if x.dayCell == nil || d != x.lastDay {
			x.lastDay, x.dayCell = d, cellFor(x.days, d)
		}
		c = x.dayCell
	} else if w := weekKey(r.TSMs); w >= x.weekFloor {
		if x.weekCell == nil || w != x.lastWeek {
			x.lastWeek, x.weekCell = w, cellFor(x.weeks, w)
		}
		c = x.weekCell
	} else {
		return
	}
	c.add(r)
}

func (x *sumExtra) merge(o *sumExtra) {
	for i, n := range o.buckets {
		x.buckets[i] += n
	}
	for k, c := range o.days {
		cellFor(x.days, k).merge(c)
	}
	for k, c := range o.weeks {
		cellFor(x.weeks, k).merge(c)
	}
	x.prune(x.dayFloor, x.weekFloor)
}

// prune raises the floors: day cells below dayFloor move into their
// week's cell, week cells below weekFloor go.
func (x *sumExtra) prune(dayFloor, weekFloor int64) {
	x.dayFloor, x.weekFloor = max(x.dayFloor, dayFloor), max(x.weekFloor, weekFloor)
	for k, c := range x.days {
		if k >= x.dayFloor {
			continue
		}
		if w := weekKey(k * dayMs); w >= x.weekFloor {
			cellFor(x.weeks, w).merge(c)
		}
		delete(x.days, k)
	}
	for k := range x.weeks {
		if k < x.weekFloor {
			delete(x.weeks, k)
		}
	}
	x.dayCell, x.weekCell = nil, nil
}

// floorsFor are the oldest day and week a grid anchored at anchor (unix
// ms) can need, less the margins.
func floorsFor(anchor int64) (dayFloor, weekFloor int64) {
	return dayKey(anchor) - (DayPeriods - 1) - dayMargin, weekKey(anchor) - (WeekPeriods - 1) - weekMargin
}

// summary is the aggregate of the lines in [0, off) of a history file.
type summary struct {
	tasks map[string]*taskAgg // every task with a run; each has x set
	// Lines, blank ones too, as Counts.physical; and Counts' figures.
	physical, lines, skipped, firstSkipped int
	// Cells below these keys may have been pruned (math.MinInt64: none was).
	dayFloor, weekFloor int64
}

func newSummary() *summary {
	return &summary{tasks: map[string]*taskAgg{}, dayFloor: math.MinInt64, weekFloor: math.MinInt64}
}

// add merges what a scan of the lines after the summary's found.
func (s *summary) add(sinks []*statsSink, c Counts) {
	for _, sk := range sinks {
		for _, t := range sk.tasks.all() {
			if t.all.runs == 0 {
				continue
			}
			if m, ok := s.tasks[t.name]; ok {
				m.merge(t)
			} else {
				s.tasks[t.name] = t
			}
		}
	}
	if s.firstSkipped == 0 && c.FirstSkipped != 0 {
		s.firstSkipped = s.physical + c.FirstSkipped
	}
	s.physical += c.physical
	s.lines += c.Lines
	s.skipped += c.Skipped
}

func (s *summary) prune(anchor int64) {
	if anchor == 0 {
		return
	}
	df, wf := floorsFor(anchor)
	if df <= s.dayFloor && wf <= s.weekFloor {
		return
	}
	s.dayFloor, s.weekFloor = max(s.dayFloor, df), max(s.weekFloor, wf)
	for _, t := range s.tasks {
		t.x.prune(s.dayFloor, s.weekFloor)
	}
}

// counts are the Counts of the summary followed by those of next (the
// unterminated last line), as one Scan of the whole file gives them.
func (s *summary) counts(next *summary) Counts {
	c := Counts{Lines: s.lines, Skipped: s.skipped, FirstSkipped: s.firstSkipped, physical: s.physical}
	if next != nil {
		c.Lines += next.lines
		c.Skipped += next.skipped
		if c.FirstSkipped == 0 && next.firstSkipped != 0 {
			c.FirstSkipped = s.physical + next.firstSkipped
		}
		c.physical += next.physical
	}
	return c
}

// Totals are what the history says about each task as running totals: the
// shape a monitoring system scrapes (see package metrics).
type Totals struct {
	Lines   int // non-blank lines read
	Skipped int // lines that could not be read (malformed or torn)
	Tasks   []TaskTotals
}

// TaskTotals are one task's totals over the whole history.
type TaskTotals struct {
	Task      string
	Runs      int64
	Successes int64
	// Failures by error type as written ("unknown" when a failed run names
	// none); they add up to Runs - Successes.
	Failures map[string]int64
	// VerifyFailed counts the failures whose client succeeded and whose
	// checks failed (PatternVerifyFailed); they are in Failures too.
	VerifyFailed int64
	Tokens       int64
	CostUSD      float64 // over the RunsWithCost runs that reported one
	RunsWithCost int64
	// Durations of the runs that have one: their count, their sum in
	// milliseconds, and how many fall in each DurationBuckets bucket (not
	// cumulative; the last element is the +Inf bucket).
	DurationRuns    int64
	DurationSumMs   int64
	DurationBuckets []int64
	// Times in unix ms, 0 when no run (no successful run) had a timestamp;
	// LastRunSuccess is the outcome of the run with the latest timestamp.
	LastRunMs      int64
	LastRunSuccess bool
	LastSuccessMs  int64
}

// totals reads t's totals; t has extras.
func (t *taskAgg) totals() TaskTotals {
	tt := TaskTotals{
		Task: t.name, Runs: t.all.runs, Successes: t.all.successes,
		Failures: make(map[string]int64, len(t.fails)), Tokens: t.all.tokens,
		CostUSD: t.costSum, RunsWithCost: t.costRuns,
		DurationRuns: t.all.durN, DurationSumMs: t.all.durSum,
		DurationBuckets: slices.Clone(t.x.buckets[:]),
		LastSuccessMs:   t.lastSuccTS,
	}
	for _, f := range t.fails {
		tt.Failures[f.typ] += f.count
		if f.verify {
			tt.VerifyFailed += f.count
		}
	}
	if t.lastOff >= 0 {
		tt.LastRunMs, tt.LastRunSuccess = t.lastTS, t.lastOK
	}
	return tt
}

// add adds o, the same task's totals over later lines.
func (tt *TaskTotals) add(o TaskTotals) {
	tt.Runs += o.Runs
	tt.Successes += o.Successes
	for k, n := range o.Failures {
		tt.Failures[k] += n
	}
	tt.VerifyFailed += o.VerifyFailed
	tt.Tokens = addSat(tt.Tokens, o.Tokens)
	tt.CostUSD = addCost(tt.CostUSD, o.CostUSD)
	tt.RunsWithCost += o.RunsWithCost
	tt.DurationRuns += o.DurationRuns
	tt.DurationSumMs = addSat(tt.DurationSumMs, o.DurationSumMs)
	for i, n := range o.DurationBuckets {
		tt.DurationBuckets[i] += n
	}
	// Later lines win ties, as taskAgg.merge has it.
	if o.LastRunMs != 0 && o.LastRunMs >= tt.LastRunMs {
		tt.LastRunMs, tt.LastRunSuccess = o.LastRunMs, o.LastRunSuccess
	}
	tt.LastSuccessMs = max(tt.LastSuccessMs, o.LastSuccessMs)
}

// totalsFrom joins the totals of summaries of consecutive parts of a file.
func totalsFrom(c Counts, parts ...*summary) *Totals {
	byName := map[string]*TaskTotals{}
	for _, s := range parts {
		for name, t := range s.tasks {
			tt := t.totals()
			if m := byName[name]; m != nil {
				m.add(tt)
			} else {
				byName[name] = &tt
			}
		}
	}
	out := &Totals{Lines: c.Lines, Skipped: c.Skipped, Tasks: make([]TaskTotals, 0, len(byName))}
	for _, tt := range byName {
		out.Tasks = append(out.Tasks, *tt)
	}
	slices.SortFunc(out.Tasks, func(a, b TaskTotals) int {
		if a.Task < b.Task {
			return -1
		}
		if a.Task > b.Task {
			return 1
		}
		return 0
	})
	return out
}
