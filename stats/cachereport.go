package stats

import (
	"os"
	"slices"

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

// report builds Compute's Report from summaries (the parts of the file, in
// order). ok is false when the grid reaches cells that were pruned.
// With consume, the summaries are of no more use after (see mergePart).
func reportFrom(path string, opt Options, c Counts, consume bool, parts ...*summary) (*Report, bool) {
	gc := chooseGridOf(path, opt)
	for _, s := range parts {
		if !s.covers(gc) {
			return nil, false
		}
	}
	merged := map[string]*taskAgg{}
	for _, s := range parts {
		gc.mergePart(merged, s, &opt.Filter, consume)
	}
	return buildReport(path, opt, gc, merged, sortedNames(merged, &opt.Filter), c), true
}

// mergePart merges the tasks of s that f selects into a Report's tasks
// (made as needed). With consume, s's cells become the Report's where they
// can, instead of being copied: s is of no more use after.
func (gc gridChoice) mergePart(merged map[string]*taskAgg, s *summary, f *Filter, consume bool) {
	for name, src := range s.tasks {
		if !f.MatchTask(name) {
			continue
		}
		t := merged[name]
		if t == nil {
			t = newTaskAgg(name, true, gc.grid.n)
			merged[name] = t
		}
		t.merge(src) // copies: t has no extras, src no trend cells
		for k, sc := range src.x.days {
			t.addCell(gc.slot(false, k), sc, consume)
		}
		for k, sc := range src.x.weeks {
			t.addCell(gc.slot(true, k), sc, consume)
		}
	}
}

// sortedNames are the names of the tasks f selects, in order.
func sortedNames(tasks map[string]*taskAgg, f *Filter) []string {
	names := make([]string, 0, len(tasks))
	for name := range tasks {
		if f.MatchTask(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// chooseGridOf is chooseGrid's choice as a gridChoice.
func chooseGridOf(path string, opt Options) gridChoice {
	g, period, window := chooseGrid(path, opt)
	return gridChoice{g, period, window}
}

// covers says whether s still has every cell of gc's grid: the floors
// follow the newest run, and an anchor far before it needs pruned ones.
func (s *summary) covers(gc gridChoice) bool {
	g := gc.grid
	return g.n == 0 ||
		!((gc.period == PeriodDay && dayKey(g.start) < s.dayFloor) ||
			(gc.period == PeriodWeek && weekKey(g.start) < s.weekFloor))
}

// slot is the trend period a summary's day cell (week false) or week cell
// falls in, -1 for none: a day period is a day cell; a week period is its
// week cell and the cells of its seven days. Merging the cells in any
// order gives the same cell (see durs.merge).
func (gc gridChoice) slot(week bool, key int64) int {
	g := gc.grid
	var i int64
	switch {
	case g.n == 0:
		return -1
	case gc.period == PeriodWeek && week:
		i = key - weekKey(g.start)
	case gc.period == PeriodWeek:
		i = floorDiv(key-dayKey(g.start), 7)
	case week:
		return -1
	default:
		i = key - dayKey(g.start)
	}
	if i < 0 || i >= int64(g.n) {
		return -1
	}
	return int(i)
}

// addCell merges c, a summary's cell, into t's trend cell i (none when i
// < 0). With move, c itself becomes the trend cell when it is the first
// (it is a trend cell's equal: a merge into an empty one only copies it),
// and addCell says whether it did: the caller has no more use for c.
func (t *taskAgg) addCell(i int, c *cell, move bool) (moved bool) {
	switch {
	case i < 0:
		return false
	case t.cells[i] == nil && move:
		t.cells[i] = c
		return true
	case t.cells[i] == nil:
		t.cells[i] = &cell{durs: newDurs(exactPerCell)}
	}
	t.cells[i].merge(c)
	return false
}
