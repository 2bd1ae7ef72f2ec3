package stats

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"
)

// Trend periods.
const (
	PeriodDay  = "day"
	PeriodWeek = "week"
)

const (
	dayMs  = int64(24 * time.Hour / time.Millisecond)
	weekMs = 7 * dayMs
	// 1970-01-01 was a Thursday; weeks start on Monday 1970-01-05 + 7k days.
	mondayMs = 4 * dayMs
)

// How many periods the trend keeps, and how many of them make each of the
// two windows the verdict compares.
const (
	DayPeriods  = 28
	DayWindow   = 7
	WeekPeriods = 26
	WeekWindow  = 4
)

// Verdict rule. The recent window is slower (faster) when its median
// duration is at least MinChange above (below) the previous window's, both
// windows hold at least MinRuns runs with a duration, and the two medians'
// 95% notches (median ± 1.58·IQR/√n, McGill, Tukey and Larsen 1978) do not
// overlap. Otherwise it is flat, or too_few_runs when a window is short.
const (
	MinRuns   = 5
	MinChange = 0.10
)

// Verdicts.
const (
	VerdictSlower   = "slower"
	VerdictFaster   = "faster"
	VerdictFlat     = "flat"
	VerdictTooFew   = "too_few_runs"
	VerdictNoTrend  = "none" // no trend was computed (no timestamps)
	OverallTaskName = "*"
)

// Options control Compute.
type Options struct {
	Filter Filter
	// Period is PeriodDay, PeriodWeek or "" to choose: days when the runs
	// analysed span at most DayPeriods days, weeks otherwise.
	Period string
	// Anchor is a time (unix ms) inside the last trend period. 0 means the
	// latest run, read from the end of the file (history is appended as runs
	// end, so the newest runs are there), or Filter.Until when set.
	Anchor  int64
	Workers int // goroutines; 0 means GOMAXPROCS
}

// Report is the result of Compute and the --json shape of `ccq stats`.
type Report struct {
	History          string      `json:"history"`
	Lines            int         `json:"lines"`
	Skipped          int         `json:"skipped"`
	FirstSkippedLine int         `json:"first_skipped_line"`
	Since            *string     `json:"since"`
	Until            *string     `json:"until"`
	TaskGlobs        []string    `json:"task_globs"`
	Period           string      `json:"period"`
	PeriodCount      int         `json:"period_count"`
	FirstPeriod      string      `json:"first_period"`
	VerdictWindow    int         `json:"verdict_window"`
	Overall          TaskStats   `json:"overall"`
	Tasks            []TaskStats `json:"tasks"`
}

// TaskStats are the figures of one task, or of all of them (task_id "*").
type TaskStats struct {
	TaskID           string     `json:"task_id"`
	Runs             int64      `json:"runs"`
	Successes        int64      `json:"successes"`
	SuccessRate      *float64   `json:"success_rate"`
	Tokens           int64      `json:"tokens"`
	TokensPerSuccess *float64   `json:"tokens_per_success"`
	CostUSD          *float64   `json:"cost_usd"`
	RunsWithCost     int64      `json:"runs_with_cost"`
	Failures         []Failure  `json:"failures"`
	Duration         *Durations `json:"duration_s"`
	FirstRun         *string    `json:"first_run"`
	LastRun          *string    `json:"last_run"`
	Trend            Trend      `json:"trend"`
	Periods          []Period   `json:"periods"`
}

// Failure counts one error type and its most frequent details.
type Failure struct {
	ErrorType  string        `json:"error_type"`
	Count      int64         `json:"count"`
	TopDetails []DetailCount `json:"top_details"`
}

// DetailCount is one error_detail and how often it occurred.
type DetailCount struct {
	Detail string `json:"detail"`
	Count  int64  `json:"count"`
}

// Durations are in seconds. P50 and P95 are nearest-rank percentiles, exact
// up to 4096 runs per task (128 per period) and within 1.6% beyond. Last is
// the duration of the run with the latest timestamp (null when unknown).
type Durations struct {
	Runs int64    `json:"runs"`
	Mean float64  `json:"mean"`
	P50  float64  `json:"p50"`
	P95  float64  `json:"p95"`
	Min  float64  `json:"min"`
	Max  float64  `json:"max"`
	Last *float64 `json:"last,omitempty"`
}

// Trend compares the median duration of the last VerdictWindow periods with
// the VerdictWindow periods before them.
type Trend struct {
	Verdict      string   `json:"verdict"`
	RecentRuns   int64    `json:"recent_runs"`
	PreviousRuns int64    `json:"previous_runs"`
	RecentP50    *float64 `json:"recent_p50"`
	PreviousP50  *float64 `json:"previous_p50"`
	Change       *float64 `json:"change"` // recent/previous - 1
}

// Period holds the figures of one day or week (UTC; weeks start Monday).
// Only periods with runs are listed.
type Period struct {
	Start       string     `json:"start"`
	Runs        int64      `json:"runs"`
	Successes   int64      `json:"successes"`
	SuccessRate float64    `json:"success_rate"`
	Tokens      int64      `json:"tokens"`
	Duration    *Durations `json:"duration_s"`
}

// trendGrid maps a time to its period cell.
type trendGrid struct {
	n     int   // number of periods; 0 means no trend
	start int64 // unix ms of the first period's start
	step  int64
}

func (g trendGrid) index(ts int64) int {
	if g.n == 0 || ts < g.start {
		return -1
	}
	i := (ts - g.start) / g.step
	if i >= int64(g.n) {
		return -1
	}
	return int(i)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func periodStart(ts int64, period string) int64 {
	if period == PeriodWeek {
		return floorDiv(ts-mondayMs, weekMs)*weekMs + mondayMs
	}
	return floorDiv(ts, dayMs) * dayMs
}

// Compute reads the history at path and computes every figure.
func Compute(path string, opt Options) (*Report, error) {
	anchor := opt.Anchor
	if anchor == 0 && opt.Filter.Until != 0 {
		anchor = opt.Filter.Until - 1
	}
	if anchor == 0 {
		anchor, _ = edgeTime(path, true)
	}
	period := opt.Period
	if period == "" {
		first := opt.Filter.Since
		if first == 0 {
			first, _ = edgeTime(path, false)
		}
		period = PeriodWeek
		if first != 0 && anchor-first < DayPeriods*dayMs {
			period = PeriodDay
		}
	}
	var g trendGrid
	window := DayWindow
	if period == PeriodWeek {
		g.n, g.step, window = WeekPeriods, weekMs, WeekWindow
	} else {
		g.n, g.step = DayPeriods, dayMs
	}
	if anchor == 0 {
		g.n = 0
	} else {
		g.start = periodStart(anchor, period) - int64(g.n-1)*g.step
	}
	f := opt.Filter
	sinks, counts, err := Scan(path, opt.Workers, func() *statsSink { return newStatsSink(&f, g) })
	if err != nil {
		return nil, err
	}
	merged := map[string]*taskAgg{}
	for _, s := range sinks {
		for _, t := range s.tasks.all() {
			if t.all.runs == 0 {
				continue
			}
			if m, ok := merged[t.name]; ok {
				m.merge(t)
			} else {
				merged[t.name] = t
			}
		}
	}
	overall := newTaskAgg(OverallTaskName, true, g.n)
	names := make([]string, 0, len(merged))
	for name, t := range merged {
		names = append(names, name)
		overall.merge(t)
	}
	slices.Sort(names)
	rep := &Report{
		History:          path,
		Lines:            counts.Lines,
		Skipped:          counts.Skipped,
		FirstSkippedLine: counts.FirstSkipped,
		TaskGlobs:        append([]string{}, opt.Filter.Tasks...),
		Period:           period,
		PeriodCount:      g.n,
		VerdictWindow:    window,
		Overall:          overall.stats(g, period, window),
		Tasks:            make([]TaskStats, 0, len(names)),
	}
	if g.n > 0 {
		rep.FirstPeriod = time.UnixMilli(g.start).UTC().Format("2006-01-02")
	}
	if opt.Filter.Since != 0 {
		s := FormatTime(opt.Filter.Since)
		rep.Since = &s
	}
	if opt.Filter.Until != 0 {
		s := FormatTime(opt.Filter.Until)
		rep.Until = &s
	}
	for _, name := range names {
		rep.Tasks = append(rep.Tasks, merged[name].stats(g, period, window))
	}
	return rep, nil
}

// FormatTime writes unix ms as RFC 3339 UTC with milliseconds.
func FormatTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func ptr[T any](v T) *T { return &v }

// round rounds v to digits decimals. A value too large to hold them is
// already whole, and is returned as it is rather than as +Inf.
func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	if math.Abs(v*p) >= 1<<53 {
		return v
	}
	return math.Round(v*p) / p
}

func (c *cell) durations() *Durations {
	if c.durN == 0 {
		return nil
	}
	q := c.durs.quantiles(c.durMin, c.durMax, 500, 950)
	return &Durations{
		Runs: c.durN,
		Mean: round(float64(c.durSum)/float64(c.durN)/1000, 3),
		P50:  float64(q[0]) / 1000,
		P95:  float64(q[1]) / 1000,
		Min:  float64(c.durMin) / 1000,
		Max:  float64(c.durMax) / 1000,
	}
}

func (t *taskAgg) stats(g trendGrid, period string, window int) TaskStats {
	s := TaskStats{
		TaskID:       t.name,
		Runs:         t.all.runs,
		Successes:    t.all.successes,
		Tokens:       t.all.tokens,
		RunsWithCost: t.costRuns,
		Failures:     []Failure{},
		Periods:      []Period{},
	}
	if t.all.runs > 0 {
		s.SuccessRate = ptr(round(float64(t.all.successes)/float64(t.all.runs), 4))
	}
	if t.all.successes > 0 {
		s.TokensPerSuccess = ptr(round(float64(t.all.tokens)/float64(t.all.successes), 1))
	}
	if t.costRuns > 0 {
		s.CostUSD = ptr(round(t.costSum, 6))
	}
	for _, f := range t.fails {
		fo := Failure{ErrorType: f.typ, Count: f.count, TopDetails: []DetailCount{}}
		for d, n := range f.details {
			fo.TopDetails = append(fo.TopDetails, DetailCount{d, *n})
		}
		slices.SortFunc(fo.TopDetails, func(a, b DetailCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Detail, b.Detail))
		})
		if len(fo.TopDetails) > 3 {
			fo.TopDetails = fo.TopDetails[:3]
		}
		s.Failures = append(s.Failures, fo)
	}
	slices.SortFunc(s.Failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ErrorType, b.ErrorType))
	})
	s.Duration = t.all.durations()
	if s.Duration != nil && t.lastOff >= 0 && t.lastHasDur {
		s.Duration.Last = ptr(float64(t.lastDur) / 1000)
	}
	if t.lastOff >= 0 {
		s.FirstRun = ptr(FormatTime(t.firstTS))
		s.LastRun = ptr(FormatTime(t.lastTS))
	}
	s.Trend = Trend{Verdict: VerdictNoTrend}
	if g.n == 0 {
		return s
	}
	for i, c := range t.cells {
		if c == nil || c.runs == 0 {
			continue
		}
		start := time.UnixMilli(g.start + int64(i)*g.step).UTC().Format("2006-01-02")
		s.Periods = append(s.Periods, Period{
			Start:       start,
			Runs:        c.runs,
			Successes:   c.successes,
			SuccessRate: round(float64(c.successes)/float64(c.runs), 4),
			Tokens:      c.tokens,
			Duration:    c.durations(),
		})
	}
	s.Trend = verdict(t.cells[g.n-2*window:g.n-window], t.cells[g.n-window:])
	return s
}

// window merges the duration figures of some periods.
func mergeCells(cs []*cell) *cell {
	m := &cell{durs: newDurs(exactPerTask)}
	for _, c := range cs {
		if c != nil {
			m.merge(c)
		}
	}
	return m
}

func verdict(prevCells, recentCells []*cell) Trend {
	p, r := mergeCells(prevCells), mergeCells(recentCells)
	t := Trend{Verdict: VerdictTooFew, RecentRuns: r.durN, PreviousRuns: p.durN}
	var pq, rq []int64
	if p.durN > 0 {
		pq = p.durs.quantiles(p.durMin, p.durMax, 250, 500, 750)
		t.PreviousP50 = ptr(float64(pq[1]) / 1000)
	}
	if r.durN > 0 {
		rq = r.durs.quantiles(r.durMin, r.durMax, 250, 500, 750)
		t.RecentP50 = ptr(float64(rq[1]) / 1000)
	}
	if p.durN > 0 && r.durN > 0 && pq[1] > 0 {
		t.Change = ptr(round(float64(rq[1])/float64(pq[1])-1, 4))
	}
	if p.durN < MinRuns || r.durN < MinRuns {
		return t
	}
	t.Verdict = VerdictFlat
	notch := func(q []int64, n int64) float64 { return 1.58 * float64(q[2]-q[0]) / math.Sqrt(float64(n)) }
	diff := math.Abs(float64(rq[1] - pq[1]))
	if t.Change == nil || diff <= notch(pq, p.durN)+notch(rq, r.durN) || math.Abs(*t.Change) < MinChange {
		return t
	}
	if *t.Change > 0 {
		t.Verdict = VerdictSlower
	} else {
		t.Verdict = VerdictFaster
	}
	return t
}

// edgeTime reads the latest (fromEnd) or earliest timestamp among the lines
// in the last or first 256 KB of the history: the newest runs are appended
// at the end, the oldest sit at the start. 0 when none is readable.
func edgeTime(path string, fromEnd bool) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	const span = 256 << 10
	off := int64(0)
	if fromEnd && st.Size() > span {
		off = st.Size() - span
	}
	buf := make([]byte, min(span, st.Size()))
	n, err := f.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("read history: %w", err)
	}
	buf = buf[:n]
	var best int64
	var rec Record
	first := off > 0 // the first line may be cut
	for len(buf) > 0 {
		line := buf
		rest := []byte(nil)
		for i, c := range buf {
			if c == '\n' {
				line, rest = buf[:i], buf[i+1:]
				break
			}
		}
		buf = rest
		if first {
			first = false
			continue
		}
		if ParseLine(trimCR(line), &rec) && rec.HasTS {
			if best == 0 || (fromEnd && rec.TSMs > best) || (!fromEnd && rec.TSMs < best) {
				best = rec.TSMs
			}
		}
	}
	return best, nil
}
