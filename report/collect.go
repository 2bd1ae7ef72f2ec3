package report

import (
	"bytes"
	"cmp"
	"container/heap"
	"slices"
	"strings"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/tidwall/gjson"
)

// What a page needs that stats.Report does not hold: runs per period split
// by outcome, cost per period, retry series, and the newest failures with
// their session logs. It is gathered by a Sink of its own over stats.Scan,
// on the trend grid Compute chose, so its periods line up with the
// Report's.

// Outcomes, in the order a stacked bar draws them.
const (
	outSuccess = iota
	outTimeout
	outExit
	outException
	outOther
	nOutcomes
)

// outcomeOf is where a run counts in the stacked bars: its category, as
// recorder.Categorize decides it for every output.
func outcomeOf(r *stats.Record) int {
	switch recorder.Categorize(r.Success, string(r.ErrorType)) {
	case recorder.CategorySuccess:
		return outSuccess
	case recorder.CategoryTimeout:
		return outTimeout
	case recorder.CategoryExitError:
		return outExit
	case recorder.CategoryException:
		return outException
	}
	return outOther
}

// maxLatest is how many of the newest failures the page lists.
const maxLatest = 20

// grid is the Report's trend periods: n periods of step ms from start.
type grid struct {
	n     int
	start int64
	step  int64
}

// gridOf is the grid stats counted the report's figures in.
func gridOf(rep *stats.Report) grid {
	g := rep.Grid()
	return grid{n: g.N, start: g.Start, step: g.Step}
}

func (g grid) index(ts int64) int {
	if g.n == 0 || ts < g.start {
		return -1
	}
	i := (ts - g.start) / g.step
	if i >= int64(g.n) {
		return -1
	}
	return int(i)
}

// cell is one task's runs in one period.
type cell struct {
	outcomes [nOutcomes]int64
	cost     float64
	costRuns int64
}

func (c *cell) merge(o *cell) {
	for i := range c.outcomes {
		c.outcomes[i] += o.outcomes[i]
	}
	c.cost += o.cost
	c.costRuns += o.costRuns
}

// taskExtra is what one task adds to its stats.TaskStats.
type taskExtra struct {
	match   bool
	retries int64 // lines that are a retry of an earlier attempt
	cells   []cell
}

func (t *taskExtra) merge(o *taskExtra) {
	t.retries += o.retries
	for i := range t.cells {
		t.cells[i].merge(&o.cells[i])
	}
}

// failLine is one failed run kept whole until the scan ends.
type failLine struct {
	raw []byte
	ts  int64
	off int64
}

func older(a, b *failLine) bool {
	return cmp.Or(cmp.Compare(a.ts, b.ts), cmp.Compare(a.off, b.off)) < 0
}

type failHeap []*failLine

func (h failHeap) Len() int           { return len(h) }
func (h failHeap) Less(i, j int) bool { return older(h[i], h[j]) }
func (h failHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *failHeap) Push(x any)        { *h = append(*h, x.(*failLine)) }
func (h *failHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sink gathers the extras of the lines one goroutine reads.
type sink struct {
	f     *stats.Filter
	g     grid
	tasks map[string]*taskExtra
	fails failHeap
}

var keyRetryOf = []byte(`"retry_of"`)

func (s *sink) Add(r *stats.Record, line []byte, off int64) {
	if s.f.Since != 0 || s.f.Until != 0 {
		// As stats applies --since and --until: a run without a
		// timestamp is kept only when neither is set.
		if !r.HasTS || (s.f.Since != 0 && r.TSMs < s.f.Since) || (s.f.Until != 0 && r.TSMs >= s.f.Until) {
			return
		}
	}
	t := s.tasks[string(r.Task)]
	if t == nil {
		name := string(r.Task)
		t = &taskExtra{match: s.f.MatchTask(name), cells: make([]cell, s.g.n)}
		s.tasks[name] = t
	}
	if !t.match {
		return
	}
	if isRetry(line) {
		t.retries++
	}
	if r.HasTS {
		if i := s.g.index(r.TSMs); i >= 0 {
			c := &t.cells[i]
			c.outcomes[outcomeOf(r)]++
			if r.HasCost {
				c.cost += r.Cost
				c.costRuns++
			}
		}
	}
	if r.Success {
		return
	}
	fl := failLine{ts: r.TSMs, off: off}
	if len(s.fails) == maxLatest {
		if !older(s.fails[0], &fl) {
			return
		}
		heap.Pop(&s.fails)
	}
	fl.raw = bytes.Clone(line)
	heap.Push(&s.fails, &fl)
}

// isRetry reports whether a line is a later attempt of a scheduled run:
// it names the run it retries (retry_of; the launcher writes it with the
// attempt number on every attempt after the first). Most lines have no
// such key, and one byte search rules them out.
func isRetry(line []byte) bool {
	if !bytes.Contains(line, keyRetryOf) {
		return false
	}
	res := gjson.GetBytes(line, "retry_of")
	return res.Type == gjson.String && res.Str != ""
}

// extras is what the sinks gathered, merged.
type extras struct {
	g       grid
	tasks   map[string]*taskExtra // tasks that pass the filter
	overall *taskExtra
	latest  []Failure // newest first
}

func collect(path string, rep *stats.Report, f stats.Filter, workers int) (*extras, error) {
	g := gridOf(rep)
	sinks, _, err := stats.Scan(path, workers, func() *sink {
		return &sink{f: &f, g: g, tasks: map[string]*taskExtra{}}
	})
	if err != nil {
		return nil, err
	}
	x := &extras{g: g, tasks: map[string]*taskExtra{}, overall: &taskExtra{match: true, cells: make([]cell, g.n)}}
	var fails []*failLine
	for _, s := range sinks {
		for name, t := range s.tasks {
			if !t.match {
				continue
			}
			if m := x.tasks[name]; m != nil {
				m.merge(t)
			} else {
				x.tasks[name] = t
			}
			x.overall.merge(t)
		}
		fails = append(fails, s.fails...)
	}
	slices.SortFunc(fails, func(a, b *failLine) int {
		return cmp.Or(cmp.Compare(b.ts, a.ts), cmp.Compare(b.off, a.off))
	})
	for _, fl := range fails[:min(len(fails), maxLatest)] {
		x.latest = append(x.latest, parseFailure(fl.raw))
	}
	return x, nil
}

// Failure is one failed run as the page lists it.
type Failure struct {
	Time      string // RFC 3339 as recorded
	Task      string
	ErrorType string
	Detail    string
	RunID     string
	LogFile   string // as recorded
	LogHref   string // relative to the page, "" when there is none
}

func parseFailure(line []byte) Failure {
	res := gjson.GetManyBytes(line, "timestamp", "task_id", "error_type", "error_detail", "run_id", "log_file")
	f := Failure{Time: shortTime(res[0].String()), Task: res[1].String(), ErrorType: res[2].String(),
		Detail: res[3].String(), RunID: res[4].String(), LogFile: res[5].String()}
	// Valid UTF-8, as stats.ParseLine gives the figures: a stray byte
	// names the task as it does everywhere else.
	for _, p := range []*string{&f.Task, &f.ErrorType, &f.Detail, &f.RunID} {
		*p = strings.Map(func(r rune) rune { return r }, *p)
	}
	if f.Task == "" {
		f.Task = "unnamed"
	}
	if f.ErrorType == "" {
		f.ErrorType = stats.ErrUnknown
	}
	return f
}

// shortTime writes 2026-11-30T11:38:24.000Z as 2026-11-30 11:38:24.
func shortTime(ts string) string {
	if len(ts) < 19 || ts[10] != 'T' {
		return ts
	}
	return ts[:10] + " " + ts[11:19]
}

// trim drops the periods before the first one with a run, or with the
// earliest missed slot (unix ms, 0 for none) when that comes first: the
// charts start where there is something to see, not weeks before it. It
// reports whether it dropped any.
func (x *extras) trim(firstMissed int64) bool {
	from := 0
	for from < x.g.n-1 && x.overall.cells[from].runs() == 0 {
		from++
	}
	if i := x.g.index(firstMissed); firstMissed != 0 && i >= 0 && i < from {
		from = i
	}
	if from == 0 {
		return false
	}
	x.g.n -= from
	x.g.start += int64(from) * x.g.step
	x.overall.cells = x.overall.cells[from:]
	for _, t := range x.tasks {
		t.cells = t.cells[from:]
	}
	return true
}

func (c *cell) runs() int64 {
	var n int64
	for _, v := range c.outcomes {
		n += v
	}
	return n
}
