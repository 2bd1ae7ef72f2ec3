package stats

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// A Tracker keeps a summary of one history file up to date, reading only
// the lines appended since it last looked: `ccq stats` and `ccq metrics`
// use one for a single answer (loading and saving the cache file), `ccq
// metrics serve` keeps one for its life and updates it on every scrape.
//
// The summary covers the file up to its last newline. What follows it (a
// line being written, or torn by a crash: the recorder starts its next
// line with a newline, so that becomes a malformed line of its own) is
// read again on every Update and counted in answers, never in the
// summary or the cache.
//
// A Tracker is not safe for concurrent use.
type Tracker struct {
	path, cache string
	workers     int

	sum  *summary
	mark fileMark // where sum ends in the file
	// noHistory: the last Update found no history file.
	noHistory bool
	tail      *summary // the bytes after the last newline; nil when none
	// saved is false when sum has lines the cache file does not.
	saved  bool
	loaded bool // the cache file was read (or there is none)

	last UpdateInfo
}

// UpdateInfo says what the last Update did.
type UpdateInfo struct {
	FromCache bool   // the summary came from the cache file
	Rebuilt   string // why the whole file was read ("" when it was not)
	BytesRead int64  // bytes of history read (new lines and the tail)
}

// NewTracker returns a Tracker of the history at path. cache is the cache
// file to start from and save to ("" for none).
func NewTracker(path, cache string) *Tracker {
	return &Tracker{path: path, cache: cache}
}

// Info describes the last Update.
func (t *Tracker) Info() UpdateInfo { return t.last }

// Update reads what was appended to the history since the last Update (or
// since the cache was written), or all of it when the file is not the one
// the summary was made from: replaced, rotated, truncated or rewritten.
func (t *Tracker) Update() error {
	t.last = UpdateInfo{}
	f, err := os.Open(t.path)
	t.noHistory = errors.Is(err, os.ErrNotExist)
	if t.noHistory {
		if t.sum == nil || t.mark.off != 0 {
			t.reset("no history file")
		}
		t.tail = nil
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if !t.loaded {
		t.loaded = true
		if t.cache != "" {
			if m, s, err := readCache(t.cache); err == nil {
				t.sum, t.mark, t.saved = s, m, true
				t.last.FromCache = true
			}
		}
	}
	if t.sum != nil {
		if why := t.check(f, st); why != "" {
			t.reset(why)
		}
	} else {
		t.reset("no summary yet")
	}
	cut, err := lastLineEnd(f, t.mark.off, size)
	if err != nil {
		return err
	}
	if size > t.mark.off {
		// The floors follow the newest run, as Compute's grid does.
		anchor, _ := edgeTime(t.path, true)
		t.sum.prune(anchor)
	}
	if cut > t.mark.off {
		s, err := t.scan(f, t.mark.off, cut)
		if err != nil {
			return err
		}
		t.sum.merge(s)
		for _, ta := range t.sum.tasks {
			ta.ser.settle()
		}
		t.last.BytesRead += cut - t.mark.off
		if t.mark, err = markAt(f, st, cut); err != nil {
			return err
		}
		t.saved = false
	}
	t.tail = nil
	if size > cut {
		if t.tail, err = t.scan(f, cut, size); err != nil {
			return err
		}
		t.last.BytesRead += size - cut
	}
	return nil
}

func (t *Tracker) reset(why string) {
	t.sum, t.mark, t.saved = newSummary(), fileMark{}, false
	t.last.Rebuilt, t.last.FromCache = why, false
}

// check says why the summary cannot be trusted for f, or "".
func (t *Tracker) check(f *os.File, st os.FileInfo) string {
	return checkMark(f, st, t.mark)
}

// checkMark says why a summary of the bytes up to m.off of the file m was
// made from cannot be trusted for f, or "".
func checkMark(f *os.File, st os.FileInfo, m fileMark) string {
	dev, ino := fileID(st)
	switch {
	case m.off == 0:
		return ""
	case dev != m.dev || ino != m.ino:
		return "the history file was replaced"
	case st.Size() < m.off:
		return "the history file was truncated"
	}
	now, err := markAt(f, st, m.off)
	if err != nil || now.head != m.head || now.tail != m.tail {
		return "the history file was rewritten"
	}
	return ""
}

// scan aggregates the lines in [from, to) of f.
func (t *Tracker) scan(f *os.File, from, to int64) (*summary, error) {
	return scanAfter(f, from, to, t.sum, t.workers)
}

// scanAfter aggregates the lines in [from, to) of f, which follow those
// of prev, into a summary with prev's floors.
func scanAfter(f io.ReaderAt, from, to int64, prev *summary, workers int) (*summary, error) {
	var all Filter
	sinks, c, err := ScanReaderAt(io.NewSectionReader(f, from, to-from), to-from, workers, func() *statsSink {
		s := newStatsSink(&all, trendGrid{})
		s.summary, s.base = true, from
		s.dayFloor, s.weekFloor = prev.dayFloor, prev.weekFloor
		return s
	})
	if err != nil {
		return nil, err
	}
	s := newSummary()
	s.dayFloor, s.weekFloor = prev.dayFloor, prev.weekFloor
	s.add(sinks, c)
	return s, nil
}

// merge adds o, the summary of the lines right after s's, to s.
func (s *summary) merge(o *summary) {
	for name, t := range o.tasks {
		if m, ok := s.tasks[name]; ok {
			m.merge(t)
		} else {
			s.tasks[name] = t
		}
	}
	if s.firstSkipped == 0 && o.firstSkipped != 0 {
		s.firstSkipped = s.physical + o.firstSkipped
	}
	s.physical += o.physical
	s.lines += o.lines
	s.skipped += o.skipped
}

// lastLineEnd is the offset just after the last newline in [from, size),
// or from when there is none.
func lastLineEnd(f *os.File, from, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > from; {
		start := max(from, end-int64(len(buf)))
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return from, nil
}

// Save writes the summary to the cache file when it has lines the file
// does not. Callers may ignore its error: the cache is only an aid.
func (t *Tracker) Save() error {
	// Reading creates nothing where there is no history: no cache (nor
	// the folders it would need) in a folder ccq was only asked about.
	if t.cache == "" || t.saved || t.sum == nil || t.noHistory {
		return nil
	}
	if err := writeCache(t.cache, t.mark, t.sum); err != nil {
		return err
	}
	t.saved = true
	return nil
}

func (t *Tracker) parts() []*summary {
	if t.tail != nil {
		return []*summary{t.sum, t.tail}
	}
	return []*summary{t.sum}
}

func (t *Tracker) counts() Counts {
	c := t.sum.counts(t.tail)
	c.Bytes = t.mark.off
	return c
}

// Totals are the running totals of every task as of the last Update.
func (t *Tracker) Totals() *Totals {
	if t.sum == nil {
		return &Totals{}
	}
	return totalsFrom(t.counts(), t.parts()...)
}

// Report is Compute's Report as of the last Update. opt.Filter may select
// tasks only (ok is false otherwise), and ok is false when the trend grid
// needs periods the summary has pruned: call Compute without a cache then.
func (t *Tracker) Report(opt Options) (rep *Report, ok bool) {
	if !opt.cacheable() || t.sum == nil {
		return nil, false
	}
	return reportFrom(t.path, opt, t.counts(), false, t.parts()...)
}

// computeCached is Compute through the summary cache opt.Cache.
func computeCached(path string, opt Options) (*Report, error) {
	if rep, ok := reportFromCache(path, opt); ok {
		return rep, nil
	}
	t := NewTracker(path, opt.Cache)
	t.workers = opt.Workers
	if err := t.Update(); err != nil {
		return nil, err
	}
	_ = t.Save() // the cache is an aid: a read-only logs directory still gets its answer
	if t.sum != nil {
		// The summary is saved and of no more use: its cells become the
		// Report's rather than copies.
		rep, ok := reportFrom(t.path, opt, t.counts(), true, t.parts()...)
		if ok {
			return rep, nil
		}
	}
	// The grid reaches further back than the summary keeps (an anchor far
	// before the newest run): read everything, as without a cache.
	opt.Cache = ""
	return Compute(path, opt)
}
