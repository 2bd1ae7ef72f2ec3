package stats

import (
	"os"
	"slices"

	"github.com/ccq-dev/ccq/recorder"
)

// reportFromCache answers Compute from the summary cache alone when the
// history has not grown since the cache was written: the usual warm `ccq
// stats`. Each task's day and week cells are merged into the Report's
// trend cells as they are read, so the summary itself is never built:
// allocating it cost a fresh process more (a page fault for every 4 KiB)
// than all the rest of the answer. ok is false when it cannot answer (no
// cache, a stale or damaged one, lines appended, a grid reaching pruned
// periods): the Tracker reads the history and the cache then.
func reportFromCache(path string, opt Options) (rep *Report, ok bool) {
	hf, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer hf.Close()
	hst, err := hf.Stat()
	if err != nil {
		return nil, false
	}
	cf, err := recorder.OpenRegular(opt.Cache)
	if err != nil {
		return nil, false
	}
	defer cf.Close()
	cst, err := cf.Stat()
	if err != nil || cst.Size() > maxCacheSize {
		return nil, false
	}
	d, m, s := decodeHead(cf, cst.Size())
	if d.err != nil || m.off != hst.Size() || checkMark(hf, hst, m) != "" {
		return nil, false
	}
	gc := chooseGridOf(path, opt)
	if !s.covers(gc) {
		return nil, false
	}
	merged := map[string]*taskAgg{}
	var buckets [numDurBounds + 1]int64 // Totals' only, not a Report's
	for range d.count() {
		t := newTaskAgg(d.s(), true, gc.grid.n)
		d.task(t, &buckets, gc.merger(t, false), gc.merger(t, true))
		if _, dup := merged[t.name]; dup {
			d.fail()
		}
		if d.err != nil {
			return nil, false
		}
		merged[t.name] = t
	}
	if d.end(cf) != nil {
		return nil, false
	}
	names := make([]string, 0, len(merged))
	for name := range merged {
		if opt.Filter.MatchTask(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	c := s.counts(nil)
	c.Bytes = m.off
	return buildReport(path, opt, gc, merged, names, c), true
}

// merger merges the day (week false) or week cells dec.cells reads into
// t's trend cells, keeping those that become one.
func (gc gridChoice) merger(t *taskAgg, week bool) keepCell {
	return func(_ int, k int64, c *cell) bool {
		return t.addCell(gc.slot(week, k), c, true)
	}
}
