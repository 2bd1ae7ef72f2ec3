package stats

import (
	"cmp"
	"math"
	"slices"
	"time"
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
	// Cache is a summary cache file (CachePath) to read the history
	// through: only the lines appended since it was written are read, and
	// it is brought up to date once they exceed saveAfter bytes
	// (cachereport.go). It is used when the filter selects runs by
	// task only (no Since, Until or FailedOnly); otherwise, or when the
	// cache cannot answer, the whole history is read as without it. A
	// cache that cannot be read or written is ignored, never an error.
	Cache string
}

// cacheable reports whether a summary can answer for opt's filter.
func (o Options) cacheable() bool {
	return o.Filter.Since == 0 && o.Filter.Until == 0 && !o.Filter.FailedOnly
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

	grid trendGrid // the periods of the figures; FirstPeriod and PeriodCount name it
}

// Grid is a Report's trend periods: N periods of Step milliseconds from
// Start (unix ms, UTC), N 0 when there is no trend.
type Grid struct {
	N           int
	Start, Step int64
}

// Grid returns the periods the report's figures were counted in, so that
// a caller bucketing runs again (the report's charts) lines up with them.
func (r *Report) Grid() Grid {
	return Grid{N: r.grid.n, Start: r.grid.start, Step: r.grid.step}
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

	// Scheduled runs (series.go): a run retried by ccq launch is one
	// scheduled run however many attempts it took, and succeeded when its
	// last attempt did. Without retries they equal Runs and Successes.
	ScheduledRuns        int64    `json:"scheduled_runs"`
	ScheduledSuccesses   int64    `json:"scheduled_successes"`
	ScheduledSuccessRate *float64 `json:"scheduled_success_rate"`
	// Retries counts the attempts after the first (lines with retry_of, or
	// an attempt above 1); AttemptLines the lines written with retries on
	// (with attempt or retry_of).
	Retries      int64 `json:"retries"`
	AttemptLines int64 `json:"attempt_lines"`
	// SkippedLaunches counts launches that started nothing because another
	// run of the task held its lock (skips.jsonl, Options.Skips). They are
	// not runs and count in no rate.
	SkippedLaunches int64 `json:"skipped_launches"`
}

// Failure counts one error type and its most frequent details. Runs whose
// client succeeded and whose task's checks failed (ccq launch's verify,
// expect, output_schema) count apart from the type's other runs, as
// Pattern PatternVerifyFailed: a green run that did not do its task is
// not the client's failure.
type Failure struct {
	ErrorType  string        `json:"error_type"`
	Pattern    string        `json:"pattern,omitempty"`
	Count      int64         `json:"count"`
	TopDetails []DetailCount `json:"top_details"`
}

// PatternVerifyFailed is the Pattern of failures whose client succeeded
// and whose checks failed (the line's client_success).
const PatternVerifyFailed = "verify_failed"

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

// Compute reads the history at path and computes every figure: the model
// every view of the history (table, JSON, CSV, and any later one) is drawn
// from.
func Compute(path string, opt Options) (*Report, error) {
	if opt.Cache != "" && opt.cacheable() {
		return computeCached(path, opt)
	}
	g, period, window := chooseGrid(path, opt)
	f := opt.Filter
	sinks, counts, err := Scan(path, opt.Workers, func() *statsSink { return newStatsSink(&f, g) })
	if err != nil {
		return nil, err
	}
	merged, names := mergeSinks(sinks)
	return buildReport(path, opt, gridChoice{g, period, window}, merged, names, counts), nil
}

// gridChoice is the trend grid chooseGrid picked, with its period name
// and the verdict's window.
type gridChoice struct {
	grid   trendGrid
	period string
	window int
}

// buildReport turns the merged aggregates of the tasks in names into the
// Report.
func buildReport(path string, opt Options, gc gridChoice, merged map[string]*taskAgg, names []string, counts Counts) *Report {
	g, period, window := gc.grid, gc.period, gc.window
	overall := newTaskAgg(OverallTaskName, true, g.n)
	overall.overall = true
	for _, name := range names {
		overall.merge(merged[name])
	}
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
		grid:             g,
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
		ts := merged[name].stats(g, period, window)
		o := &rep.Overall
		o.ScheduledRuns += ts.ScheduledRuns
		o.ScheduledSuccesses += ts.ScheduledSuccesses
		o.Retries += ts.Retries
		o.AttemptLines += ts.AttemptLines
		rep.Tasks = append(rep.Tasks, ts)
	}
	rep.Overall.ScheduledSuccessRate = rate(rep.Overall.ScheduledSuccesses, rep.Overall.ScheduledRuns)
	return rep
}

// mergeSinks joins what each goroutine aggregated, task by task, and
// returns the tasks with runs and their names in order.
func mergeSinks(sinks []*statsSink) (map[string]*taskAgg, []string) {
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
	names := make([]string, 0, len(merged))
	for name := range merged {
		names = append(names, name)
	}
	slices.Sort(names)
	return merged, names
}

// FormatTime writes unix ms as RFC 3339 UTC with milliseconds.
func FormatTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func ptr[T any](v T) *T { return &v }

// rate is n/of rounded to 4 decimals, nil when of is 0.
func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	return ptr(round(float64(n)/float64(of), 4))
}

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
	s.SuccessRate = rate(t.all.successes, t.all.runs)
	s.ScheduledRuns, s.ScheduledSuccesses = t.ser.totals()
	s.ScheduledSuccessRate = rate(s.ScheduledSuccesses, s.ScheduledRuns)
	s.Retries, s.AttemptLines = t.ser.retries, t.ser.marked
	if t.all.successes > 0 {
		s.TokensPerSuccess = ptr(round(float64(t.all.tokens)/float64(t.all.successes), 1))
	}
	if t.costRuns > 0 {
		s.CostUSD = ptr(round(t.costSum, 6))
	}
	for _, f := range t.fails {
		fo := Failure{ErrorType: f.typ, Count: f.count, TopDetails: []DetailCount{}}
		if f.verify {
			fo.Pattern = PatternVerifyFailed
		}
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
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ErrorType, b.ErrorType), cmp.Compare(a.Pattern, b.Pattern))
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
	n := 0
	for _, c := range t.cells {
		if c != nil && c.runs > 0 {
			n++
		}
	}
	s.Periods = make([]Period, 0, n)
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
