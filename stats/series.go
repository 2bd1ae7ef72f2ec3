package stats

import (
	"cmp"
	"slices"
)

// Retries: `ccq launch --retries` writes one line per attempt, each with
// "attempt" (1, 2, …) and, from the second on, "retry_of" (the first
// attempt's run id). A series is the first attempt (run_id K, no retry_of)
// with the lines whose retry_of is K, in the same task; a line without
// either extra is a series of its own, and so is a line with neither a
// run_id nor a retry_of to group by. The last attempt of a series
// (highest attempt number, then the latest timestamp, then the later line)
// decides whether the scheduled run succeeded.
//
// Lines are grouped by retry_of whether or not the first attempt was read:
// when --since cuts a series, the attempts inside the window still make
// one scheduled run, decided by the last of them.
//
// Memory: a series only stays open while its latest attempt failed (a
// success ends it: ccq launch never retries one) or its first attempt was
// not read. A goroutine also keeps the series open when it moved to
// another segment (pinned), and those it has no first attempt for: their
// other attempts may be in another goroutine's segment, and are joined
// when the aggregates are merged. Each aggregate (one per task per goroutine, and the summary)
// closes an open series once the history it has read is seriesWindow past
// the series' latest line, and keeps at most maxOpenSeries open series per
// task: beyond that the oldest are closed. So grouping needs at most
// maxOpenSeries × about 100 bytes per task and goroutine, whatever the
// history's size; it is exact whenever the attempts of a series are less
// than seriesWindow apart, as ccq launch's are (its waits are minutes),
// and no task has more than maxOpenSeries series open at once. A line
// arriving after its series was closed starts a series of its own.
const (
	seriesWindow  = 24 * 60 * 60 * 1000 // ms of history time
	maxOpenSeries = 4096
)

// seriesAgg is a task's scheduled-run figures.
type seriesAgg struct {
	runs, successes int64 // closed series
	retries         int64 // lines that are a retry: retry_of set or attempt > 1
	marked          int64 // lines with attempt or retry_of
	open            map[string]openSeries
	sweepAt         int // sweep the open series when there are this many
	now             int64
}

// openSeries is a series that may still get attempts.
type openSeries struct {
	first bool // its first attempt was read
	// pinned: open at the end of a segment, whose next lines another
	// goroutine may read; it stays open until the goroutines' aggregates
	// are merged.
	pinned  bool
	att     int64 // the latest attempt: its rank (attempt number), time and offset
	ts, off int64
	ok      bool  // the latest attempt succeeded
	last    int64 // the latest timestamp of any attempt
}

// join is a and b, the same series read in two places.
func (a openSeries) join(b openSeries) openSeries {
	j := a
	if cmp.Or(cmp.Compare(b.att, a.att), cmp.Compare(b.ts, a.ts), cmp.Compare(b.off, a.off)) > 0 {
		j.att, j.ts, j.off, j.ok = b.att, b.ts, b.off, b.ok
	}
	j.first = a.first || b.first
	j.pinned = a.pinned || b.pinned
	j.last = max(a.last, b.last)
	return j
}

// settled: nothing that can follow changes the series' outcome: its first
// attempt was read and its latest succeeded. A pinned series is not: an
// attempt between those two may be in another goroutine's aggregate.
func (o openSeries) settled() bool { return o.first && o.ok && !o.pinned }

func (s *seriesAgg) close(ok bool) {
	s.runs++
	if ok {
		s.successes++
	}
}

// add counts one line read at off.
func (s *seriesAgg) add(r *Record, off int64) {
	if len(r.RetryOf) > 0 || r.Attempt > 1 {
		s.retries++
	}
	if len(r.RetryOf) == 0 && r.Attempt == 0 {
		s.close(r.Success)
		return
	}
	s.marked++
	key, first := r.RetryOf, len(r.RetryOf) == 0
	if first {
		key = r.RunID
	}
	if len(key) == 0 {
		s.close(r.Success)
		return
	}
	att := r.Attempt
	if att == 0 { // a retry_of without an attempt number
		att = 2
	}
	o := openSeries{first: first, att: att, ts: r.TSMs, off: off, ok: r.Success, last: r.TSMs}
	s.now = max(s.now, r.TSMs)
	s.put(string(key), o)
	if len(s.open) >= s.sweepAt {
		s.sweep(true)
	}
}

// put joins o to the open series key.
func (s *seriesAgg) put(key string, o openSeries) {
	if s.open == nil {
		s.open = map[string]openSeries{}
	}
	if cur, ok := s.open[key]; ok {
		o = cur.join(o)
	}
	if o.settled() {
		delete(s.open, key)
		s.close(true)
		return
	}
	s.open[key] = o
}

// sweep closes the series seriesWindow older than the history read and,
// beyond maxOpenSeries, the oldest. inSink keeps what a goroutine's scan
// cannot close: pinned series, and series whose first attempt it has not
// read (another goroutine may have).
func (s *seriesAgg) sweep(inSink bool) {
	for k, o := range s.open {
		if inSink && (o.pinned || !o.first) {
			continue
		}
		if o.last < s.now-seriesWindow {
			delete(s.open, k)
			s.close(o.ok)
		}
	}
	if len(s.open) > maxOpenSeries {
		type kv struct {
			k string
			o openSeries
		}
		all := make([]kv, 0, len(s.open))
		for k, o := range s.open {
			all = append(all, kv{k, o})
		}
		slices.SortFunc(all, func(a, b kv) int {
			return cmp.Or(cmp.Compare(a.o.last, b.o.last), cmp.Compare(a.k, b.k))
		})
		for _, e := range all[:len(all)-maxOpenSeries/2] {
			delete(s.open, e.k)
			s.close(e.o.ok)
		}
	}
	s.sweepAt = min(max(64, 2*len(s.open)), maxOpenSeries+1)
}

// pin marks every open series pinned: a segment ended.
func (s *seriesAgg) pin() {
	for k, o := range s.open {
		o.pinned = true
		s.open[k] = o
	}
}

// merge adds o (the same task read elsewhere) to s; o is not changed.
func (s *seriesAgg) merge(o *seriesAgg) {
	s.runs += o.runs
	s.successes += o.successes
	s.retries += o.retries
	s.marked += o.marked
	s.now = max(s.now, o.now)
	for k, v := range o.open {
		s.put(k, v)
	}
}

// settle is the aggregate after merging every part read: nothing pinned,
// and old series closed.
func (s *seriesAgg) settle() {
	for k, o := range s.open {
		o.pinned = false
		if o.settled() {
			delete(s.open, k)
			s.close(true)
			continue
		}
		s.open[k] = o
	}
	s.sweep(false)
}

// totals are the scheduled runs and their successes, open series counted
// as they stand.
func (s *seriesAgg) totals() (runs, successes int64) {
	runs, successes = s.runs, s.successes
	for _, o := range s.open {
		runs++
		if o.ok {
			successes++
		}
	}
	return runs, successes
}
