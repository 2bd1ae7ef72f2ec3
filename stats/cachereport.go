package stats

import (
	"os"

	"github.com/ccq-dev/ccq/recorder"
)

// saveAfter is how many bytes may be appended to the history after the
// lines the cache holds before a `ccq stats` writes the cache anew: below
// it, the lines appended since (up to 4,000 runs or so, a few ms to read)
// are read on every call, and the cache is left as it is.
const saveAfter = 1 << 20

// reportFromCache answers Compute from the summary cache file and the
// lines appended since it was written, when they are fewer than saveAfter
// bytes: the usual warm `ccq stats`. Each task's day and week cells are
// merged into the Report's trend cells as they are read, so the summary
// itself is never built: allocating it cost a fresh process more (a page
// fault for every 4 KiB) than all the rest of the answer; and the cache is
// not rewritten. ok is false when it cannot answer so (no cache, a stale
// or damaged one, too much appended, a grid reaching pruned periods): the
// Tracker reads the history and the cache, and saves the cache, then.
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
	if d.err != nil || hst.Size()-m.off > saveAfter || checkMark(hf, hst, m) != "" {
		return nil, false // checkMark refuses a file shorter than m.off
	}
	gc := chooseGridOf(path, opt)
	if !s.covers(gc) {
		return nil, false
	}
	tasks := map[string]*taskAgg{}      // every task read, to refuse a name twice
	var buckets [numDurBounds + 1]int64 // Totals' only, not a Report's
	for range d.count() {
		t := newTaskAgg(d.s(), true, gc.grid.n)
		d.task(t, &buckets, gc.merger(t, false), gc.merger(t, true))
		if _, dup := tasks[t.name]; dup {
			d.fail()
		}
		if d.err != nil {
			return nil, false
		}
		tasks[t.name] = t
	}
	if d.end(cf) != nil {
		return nil, false
	}
	var more *summary // the lines appended since
	if hst.Size() > m.off {
		if more, err = scanAfter(hf, m.off, hst.Size(), s, opt.Workers); err != nil {
			return nil, false
		}
		gc.mergePart(tasks, more, &opt.Filter, true)
	}
	c := s.counts(more)
	c.Bytes = hst.Size()
	return buildReport(path, opt, gc, tasks, sortedNames(tasks, &opt.Filter), c), true
}

// merger merges the day (week false) or week cells dec.cells reads into
// t's trend cells, keeping those that become one.
func (gc gridChoice) merger(t *taskAgg, week bool) keepCell {
	return func(_ int, k int64, c *cell) bool {
		return t.addCell(gc.slot(week, k), c, true)
	}
}
