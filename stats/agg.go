package stats

import (
	"math"
	"path"
)

// Filter selects runs. The zero Filter selects every run.
type Filter struct {
	Tasks      []string // globs as path.Match reads them; empty means all
	Since      int64    // unix ms, inclusive; 0 means no lower bound
	Until      int64    // unix ms, exclusive; 0 means no upper bound
	FailedOnly bool
}

// timeOK applies Since and Until. A run without a readable timestamp is
// kept only when neither is set.
func (f *Filter) timeOK(r *Record) bool {
	if f.Since == 0 && f.Until == 0 {
		return true
	}
	if !r.HasTS {
		return false
	}
	return (f.Since == 0 || r.TSMs >= f.Since) && (f.Until == 0 || r.TSMs < f.Until)
}

// MatchTask reports whether task passes the task globs.
func (f *Filter) MatchTask(task string) bool {
	if len(f.Tasks) == 0 {
		return true
	}
	for _, g := range f.Tasks {
		if ok, _ := path.Match(g, task); ok || g == task {
			return true
		}
	}
	return false
}

// ErrUnknown is the error type shown for a failed run whose line names
// none. Error types are listed as written; what a run counts as is
// recorder.Categorize's to say (for an unknown type, "other").
const ErrUnknown = "unknown"

// maxDetails bounds the distinct error details kept per task and error
// type; the rest are counted under "(other)".
const maxDetails = 256

const otherDetail = "(other)"

type failAgg struct {
	typ     string
	verify  bool // the runs' client succeeded and their checks failed
	count   int64
	details map[string]*int64
}

// cell holds one task's runs in one trend period.
type cell struct {
	runs, successes, tokens int64
	durN, durSum            int64
	durMin, durMax          int64
	durs                    durs
}

// add counts one run in the cell: the one way a history line enters a
// cell, for the trend cells of a scan and the day and week cells of the
// summary cache alike.
func (c *cell) add(r *Record) {
	c.runs++
	c.tokens = addSat(c.tokens, r.Tokens)
	if r.Success {
		c.successes++
	}
	if r.HasDur {
		c.addDur(r.DurMs)
	}
}

func (c *cell) addDur(ms int64) {
	if c.durN == 0 || ms < c.durMin {
		c.durMin = ms
	}
	if ms > c.durMax {
		c.durMax = ms
	}
	c.durN++
	c.durSum = addSat(c.durSum, ms)
	c.durs.add(ms)
}

func (c *cell) merge(o *cell) {
	c.runs += o.runs
	c.successes += o.successes
	c.tokens = addSat(c.tokens, o.tokens)
	if o.durN > 0 {
		if c.durN == 0 || o.durMin < c.durMin {
			c.durMin = o.durMin
		}
		c.durMax = max(c.durMax, o.durMax)
	}
	c.durN += o.durN
	c.durSum = addSat(c.durSum, o.durSum)
	c.durs.merge(&o.durs)
}

// Exact duration values kept before switching to a histogram.
const (
	exactPerTask = 4096
	exactPerCell = 128
)

// taskAgg is everything known about one task (or, merged, about all).
type taskAgg struct {
	name     string
	match    bool // passes the task globs
	all      cell
	costSum  float64
	costRuns int64
	fails    []failAgg

	firstTS, lastTS int64 // 0 when no run had a timestamp
	lastOff         int64 // file offset of the latest run (ties on time); -1 when no run had a timestamp
	lastDur         int64
	lastHasDur      bool
	lastOK          bool  // the latest run succeeded
	lastSuccTS      int64 // timestamp of the latest successful run; 0 when none had one

	cells []*cell // trend periods, oldest first; nil when no trend

	ser     seriesAgg // scheduled runs: attempts grouped (series.go)
	overall bool      // the figures of all tasks: ser is summed from theirs, never merged

	x *sumExtra // only in a summary (summary.go): day and week cells, duration buckets
}

func newTaskAgg(name string, match bool, ncells int) *taskAgg {
	t := &taskAgg{name: name, match: match, all: cell{durs: newDurs(exactPerTask)}, lastOff: -1}
	if ncells > 0 {
		t.cells = make([]*cell, ncells)
	}
	return t
}

// statsSink aggregates the runs one goroutine reads.
type statsSink struct {
	f     *Filter
	trend trendGrid
	tasks taskTable

	summary bool  // keep the cacheable extras (summary.go) instead of trend cells
	base    int64 // file offset of the bytes scanned, when a scan starts part way
	// The summary's floors (summary.go), for the extras.
	dayFloor, weekFloor int64
}

func newStatsSink(f *Filter, g trendGrid) *statsSink {
	return &statsSink{f: f, trend: g}
}

func (s *statsSink) task(name []byte) *taskAgg {
	h := hashName(name)
	if t := s.tasks.get(name, h); t != nil {
		return t
	}
	nm := string(name)
	t := newTaskAgg(nm, s.f.MatchTask(nm), s.trend.n)
	if s.summary {
		t.x = newSumExtra(s.dayFloor, s.weekFloor)
	}
	s.tasks.put(t, h)
	return t
}

// taskTable is an open-addressing hash table from task name to its
// aggregate: a Go map would hash and copy through a string conversion on
// every line, which costs more than the rest of the line's bookkeeping.
type taskTable struct {
	slots  []*taskAgg
	hashes []uint64
	n      int
}

func hashName(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h | 1 // 0 marks an empty slot
}

func (tt *taskTable) get(name []byte, h uint64) *taskAgg {
	if tt.n == 0 {
		return nil
	}
	mask := uint64(len(tt.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if tt.hashes[i] == 0 {
			return nil
		}
		if tt.hashes[i] == h && tt.slots[i].name == string(name) {
			return tt.slots[i]
		}
	}
}

func (tt *taskTable) put(t *taskAgg, h uint64) {
	if 2*(tt.n+1) > len(tt.slots) {
		old, oldH := tt.slots, tt.hashes
		size := max(64, 2*len(old))
		tt.slots, tt.hashes, tt.n = make([]*taskAgg, size), make([]uint64, size), 0
		for i, o := range old {
			if oldH[i] != 0 {
				tt.put(o, oldH[i])
			}
		}
	}
	mask := uint64(len(tt.slots) - 1)
	i := h & mask
	for tt.hashes[i] != 0 {
		i = (i + 1) & mask
	}
	tt.slots[i], tt.hashes[i] = t, h
	tt.n++
}

// all returns the aggregates in no particular order.
func (tt *taskTable) all() []*taskAgg {
	out := make([]*taskAgg, 0, tt.n)
	for i, t := range tt.slots {
		if tt.hashes[i] != 0 {
			out = append(out, t)
		}
	}
	return out
}

// Add implements Sink.
func (s *statsSink) Add(r *Record, _ []byte, off int64) {
	if !s.f.timeOK(r) || (s.f.FailedOnly && r.Success) {
		return
	}
	t := s.task(r.Task)
	if !t.match {
		return
	}
	off += s.base
	t.ser.add(r, off)
	t.all.runs++
	t.all.tokens = addSat(t.all.tokens, r.Tokens)
	if r.Success {
		t.all.successes++
	} else {
		t.addFailure(r.ErrorType, r.Detail, r.ClientSuccess)
	}
	if r.HasDur {
		t.all.addDur(r.DurMs)
		if t.x != nil {
			t.x.buckets[bucketIndex(r.DurMs)]++
		}
	}
	if r.HasCost {
		t.costSum = addCost(t.costSum, r.Cost)
		t.costRuns++
	}
	if r.HasTS {
		if t.firstTS == 0 || r.TSMs < t.firstTS {
			t.firstTS = r.TSMs
		}
		if t.lastOff < 0 || r.TSMs > t.lastTS || (r.TSMs == t.lastTS && off > t.lastOff) {
			t.lastTS, t.lastOff, t.lastDur, t.lastHasDur, t.lastOK = r.TSMs, off, r.DurMs, r.HasDur, r.Success
		}
		if r.Success && r.TSMs > t.lastSuccTS {
			t.lastSuccTS = r.TSMs
		}
		if t.x != nil {
			t.x.addCells(r)
			return
		}
		if i := s.trend.index(r.TSMs); i >= 0 {
			c := t.cells[i]
			if c == nil {
				c = &cell{durs: newDurs(exactPerCell)}
				t.cells[i] = c
			}
			c.add(r)
		}
	}
}

// startSegment pins the open series: the lines after them are in the next
// segment, which another goroutine may read.
func (s *statsSink) startSegment() {
	for _, t := range s.tasks.all() {
		t.ser.pin()
	}
}

// addFailure counts a failed run under its error type and, when its client
// succeeded (verify), under that type's own pattern: "green but failed
// verification" is not claude's exit_error.
func (t *taskAgg) addFailure(typ, detail []byte, verify bool) {
	if len(typ) == 0 {
		typ = []byte(ErrUnknown)
	}
	fa := t.fail(string(typ), verify)
	fa.count++
	if len(detail) == 0 {
		return
	}
	if p := fa.details[string(detail)]; p != nil {
		*p++
		return
	}
	fa.addDetail(string(detail), 1)
}

// fail is t's count of failures of type typ and pattern verify, made if
// there is none yet.
func (t *taskAgg) fail(typ string, verify bool) *failAgg {
	for i := range t.fails {
		if t.fails[i].typ == typ && t.fails[i].verify == verify {
			return &t.fails[i]
		}
	}
	t.fails = append(t.fails, failAgg{typ: typ, verify: verify, details: map[string]*int64{}})
	return &t.fails[len(t.fails)-1]
}

func (fa *failAgg) addDetail(d string, n int64) {
	if p := fa.details[d]; p != nil {
		*p += n
		return
	}
	if len(fa.details) >= maxDetails {
		d = otherDetail
		if p := fa.details[d]; p != nil {
			*p += n
			return
		}
	}
	fa.details[d] = &n
}

// merge adds o (the same task from another goroutine, or another task when
// building the overall figures) into t.
func (t *taskAgg) merge(o *taskAgg) {
	t.all.merge(&o.all)
	if !t.overall {
		t.ser.merge(&o.ser)
	}
	t.costSum = addCost(t.costSum, o.costSum)
	t.costRuns += o.costRuns
	for _, of := range o.fails {
		fa := t.fail(of.typ, of.verify)
		fa.count += of.count
		for d, n := range of.details {
			fa.addDetail(d, *n)
		}
	}
	if o.firstTS != 0 && (t.firstTS == 0 || o.firstTS < t.firstTS) {
		t.firstTS = o.firstTS
	}
	if o.lastOff >= 0 && (t.lastOff < 0 || o.lastTS > t.lastTS || (o.lastTS == t.lastTS && o.lastOff > t.lastOff)) {
		t.lastTS, t.lastOff, t.lastDur, t.lastHasDur, t.lastOK = o.lastTS, o.lastOff, o.lastDur, o.lastHasDur, o.lastOK
	}
	t.lastSuccTS = max(t.lastSuccTS, o.lastSuccTS)
	if t.x != nil && o.x != nil { // a copy made for a Report (summary.go) has none
		t.x.merge(o.x)
	}
	for i, oc := range o.cells {
		if oc == nil {
			continue
		}
		if t.cells[i] == nil {
			t.cells[i] = &cell{durs: newDurs(exactPerCell)}
		}
		t.cells[i].merge(oc)
	}
}

// addSat adds two non-negative sums (tokens, milliseconds), stopping at
// math.MaxInt64 instead of wrapping round to a negative total. ParseLine
// keeps every value it reads non-negative.
func addSat(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}

// addCost adds two costs, stopping at the largest float64: +Inf cannot be
// written as JSON.
func addCost(a, b float64) float64 { return min(a+b, math.MaxFloat64) }
