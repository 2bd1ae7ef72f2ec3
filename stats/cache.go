package stats

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/ccq-dev/ccq/internal/fsutil"
	"github.com/ccq-dev/ccq/recorder"
)

// The summary cache is one binary file beside the history:
//
//	magic "ccq-stats-cache\n", format version (uvarint)
//	the duration bucket bounds, in ms (a change of bounds makes it stale)
//	the history's device and inode, the offset reached (always just after
//	a newline), the SHA-256 of the file's first min(offset, 4 KiB) bytes
//	and of the 4 KiB before the offset
//	the line counts, the prune floors, then every task's aggregate
//	the SHA-256 of all of the above
//
// Integers are varints. It is trusted only when all of it decodes, the
// checksum matches, and the history file still is the same file (device
// and inode), at least offset bytes long, with the same bytes at the start
// and just before the offset; anything else, including a newer or older
// version, means the summary is rebuilt from the whole history and the
// file rewritten. It is written to a new file in the same directory and
// renamed over the old one, never through a symlink (recorder's
// MkdirNoFollow and CreateExclusive), and without fsync: a cache lost in
// a crash costs one full read.
const (
	cacheMagic   = "ccq-stats-cache\n"
	cacheVersion = 4 // 2: scheduled runs (series.go); 3: names as valid UTF-8; 4: verify failures apart
	// CacheDir and CacheName place the cache in a logs directory.
	CacheDir  = ".cache"
	CacheName = "stats-v1.bin"
	// hashSpan is how many bytes at the start of the history and before
	// the offset are hashed to recognise the file.
	hashSpan = 4096
	// maxCacheSize bounds what is read back: a summary is a few MB.
	maxCacheSize = 512 << 20
)

// CachePath is the summary cache of the history at historyPath: in
// CacheDir beside it.
func CachePath(historyPath string) string {
	return filepath.Join(filepath.Dir(historyPath), CacheDir, CacheName)
}

// fileMark recognises a history file at an offset.
type fileMark struct {
	dev, ino   uint64
	off        int64
	head, tail [sha256.Size]byte
}

// markAt computes the mark of f at off.
func markAt(f *os.File, st os.FileInfo, off int64) (fileMark, error) {
	m := fileMark{off: off}
	m.dev, m.ino = fileID(st)
	buf := make([]byte, min(off, hashSpan))
	if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
		return m, err
	}
	m.head = sha256.Sum256(buf)
	if _, err := f.ReadAt(buf, off-int64(len(buf))); err != nil && err != io.EOF {
		return m, err
	}
	m.tail = sha256.Sum256(buf)
	return m, nil
}

// enc appends varints to a buffer, which flush hands to w and the
// checksum.
type enc struct {
	b   []byte
	w   io.Writer
	sum hash.Hash
	n   int64 // bytes written
	err error
}

func (e *enc) flush() {
	e.sum.Write(e.b)
	if e.err == nil {
		var n int
		n, e.err = e.w.Write(e.b)
		e.n += int64(n)
	}
	e.b = e.b[:0]
}

func (e *enc) u(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) i(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) f(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *enc) s(v string)  { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *enc) bool(v bool) {
	if v {
		e.u(1)
	} else {
		e.u(0)
	}
}

func (e *enc) cell(c *cell) {
	e.i(c.runs)
	e.i(c.successes)
	e.i(c.tokens)
	e.i(c.durN)
	e.i(c.durSum)
	e.i(c.durMin)
	e.i(c.durMax)
	d := &c.durs
	e.i(int64(d.limit))
	e.i(d.n)
	if d.h == nil {
		e.u(0)
		e.u(uint64(len(d.exact)))
		for _, v := range d.exact {
			e.u(uint64(v))
		}
		return
	}
	e.u(1)
	nz := 0
	for _, c := range d.h.c {
		if c != 0 {
			nz++
		}
	}
	e.u(uint64(nz))
	prev := 0
	for i, c := range d.h.c {
		if c != 0 {
			b := d.h.lo + i
			e.u(uint64(b - prev))
			e.u(uint64(c))
			prev = b
		}
	}
}

func (e *enc) cells(m map[int64]*cell) {
	e.u(uint64(len(m)))
	for k, c := range m {
		e.i(k)
		e.cell(c)
	}
}

func (e *enc) task(t *taskAgg) {
	e.s(t.name)
	e.cell(&t.all)
	e.f(t.costSum)
	e.i(t.costRuns)
	e.u(uint64(len(t.fails)))
	for _, f := range t.fails {
		e.s(f.typ)
		e.bool(f.verify)
		e.i(f.count)
		e.u(uint64(len(f.details)))
		for d, n := range f.details {
			e.s(d)
			e.i(*n)
		}
	}
	e.i(t.firstTS)
	e.i(t.lastTS)
	e.i(t.lastOff)
	e.i(t.lastDur)
	e.bool(t.lastHasDur)
	e.bool(t.lastOK)
	e.i(t.lastSuccTS)
	for _, n := range t.x.buckets {
		e.i(n)
	}
	e.cells(t.x.days)
	e.cells(t.x.weeks)
	s := &t.ser
	e.i(s.runs)
	e.i(s.successes)
	e.i(s.retries)
	e.i(s.marked)
	e.i(s.now)
	e.u(uint64(len(s.open)))
	for k, o := range s.open {
		e.s(k)
		e.bool(o.first)
		e.i(o.att)
		e.i(o.ts)
		e.i(o.off)
		e.bool(o.ok)
		e.i(o.last)
	}
}

// cacheFile is the cache file of a summary, as a Reader for
// fsutil.ReplaceFileFrom: io.Copy uses its WriteTo, which writes the file
// through a small buffer, a few tasks at a time, rather than from one the
// size of the file (a fresh process pays a page fault for every 4 KiB it
// first touches).
type cacheFile struct {
	m    fileMark
	s    *summary
	rest *bytes.Reader // Read's: the whole file, encoded on first use
}

// WriteTo writes the cache file to w.
func (c *cacheFile) WriteTo(w io.Writer) (int64, error) {
	const flushAt = 32 << 10
	e := &enc{b: make([]byte, 0, 2*flushAt), w: w, sum: sha256.New()}
	e.b = append(e.b, cacheMagic...)
	e.u(cacheVersion)
	e.u(numDurBounds)
	for _, b := range durBoundsMs {
		e.i(b)
	}
	e.u(c.m.dev)
	e.u(c.m.ino)
	e.i(c.m.off)
	e.b = append(e.b, c.m.head[:]...)
	e.b = append(e.b, c.m.tail[:]...)
	e.i(int64(c.s.physical))
	e.i(int64(c.s.lines))
	e.i(int64(c.s.skipped))
	e.i(int64(c.s.firstSkipped))
	e.i(c.s.dayFloor)
	e.i(c.s.weekFloor)
	e.u(uint64(len(c.s.tasks)))
	for _, t := range c.s.tasks {
		e.task(t)
		if len(e.b) >= flushAt {
			e.flush()
		}
	}
	e.flush()
	if e.err == nil {
		n, err := w.Write(e.sum.Sum(nil))
		e.n, e.err = e.n+int64(n), err
	}
	return e.n, e.err
}

// Read reads the cache file (WriteTo is the way that does not hold it
// whole).
func (c *cacheFile) Read(p []byte) (int, error) {
	if c.rest == nil {
		c.rest = bytes.NewReader(encodeCache(c.m, c.s))
	}
	return c.rest.Read(p)
}

// encodeCache is the cache file of s, whose lines end at m.
func encodeCache(m fileMark, s *summary) []byte {
	var b bytes.Buffer
	(&cacheFile{m: m, s: s}).WriteTo(&b) // a bytes.Buffer takes every write
	return b.Bytes()
}

// cell reads a cell into c, reusing the storage of the durations c held
// (dec.cells reads cells over a scratch one).
func (d *dec) cell(c *cell) {
	exact, h := c.durs.exact[:0], c.durs.h
	*c = cell{} // nothing of the cell read before stays
	c.runs, c.successes, c.tokens = d.nonNeg(), d.nonNeg(), d.nonNeg()
	c.durN, c.durSum, c.durMin, c.durMax = d.nonNeg(), d.nonNeg(), d.nonNeg(), d.nonNeg()
	limit := d.i()
	if limit != exactPerCell && limit != exactPerTask {
		d.fail()
		return
	}
	c.durs = newDurs(int(limit))
	c.durs.n = d.nonNeg()
	switch d.u() {
	case 0:
		n := d.count()
		if n > c.durs.limit {
			d.fail()
			return
		}
		if cap(exact) < n {
			exact = make([]uint32, 0, n)
		}
		for range n {
			v := d.u()
			if v > math.MaxUint32 {
				d.fail()
				return
			}
			exact = append(exact, uint32(v))
		}
		c.durs.exact = exact
		if int64(n) != c.durs.n {
			d.fail()
		}
	case 1:
		if h == nil {
			h = &hist{}
		}
		d.hist(h)
		c.durs.h = h
		if d.err == nil && h.total() != c.durs.n {
			d.fail()
		}
	default:
		d.fail()
	}
	if c.durs.n != c.durN {
		d.fail()
	}
}

// keepCell takes a day or week cell as dec.cells reads it: n is how many
// the task has. It returns whether it kept c; one it did not keep is read
// over by the next.
type keepCell func(n int, key int64, c *cell) bool

// cells reads a task's day or week cells.
func (d *dec) cells(keep keepCell) {
	n := d.count()
	var c *cell
	for range n {
		k := d.i()
		if c == nil {
			c = &cell{}
		}
		d.cell(c)
		if d.err != nil {
			return
		}
		if keep(n, k, c) {
			c = nil
		}
	}
}

// keepIn keeps the cells in *m, made when the first arrives.
func keepIn(m *map[int64]*cell) keepCell {
	return func(n int, k int64, c *cell) bool {
		if *m == nil {
			*m = make(map[int64]*cell, n)
		}
		(*m)[k] = c
		return true
	}
}

// task reads a task after its name into t: its duration buckets into
// buckets, its day and week cells to days and weeks.
func (d *dec) task(t *taskAgg, buckets *[numDurBounds + 1]int64, days, weeks keepCell) {
	d.cell(&t.all)
	t.costSum = d.f()
	t.costRuns = d.nonNeg()
	nf := d.count()
	for range nf {
		fa := failAgg{typ: d.s(), verify: d.u() == 1, count: d.nonNeg(), details: map[string]*int64{}}
		for range d.count() {
			k, n := d.s(), d.nonNeg()
			fa.details[k] = &n
		}
		t.fails = append(t.fails, fa)
	}
	t.firstTS, t.lastTS, t.lastOff, t.lastDur = d.i(), d.i(), d.i(), d.nonNeg()
	t.lastHasDur, t.lastOK = d.u() == 1, d.u() == 1
	t.lastSuccTS = d.i()
	for i := range buckets {
		buckets[i] = d.nonNeg()
	}
	d.cells(days)
	d.cells(weeks)
	s := &t.ser
	s.runs, s.successes, s.retries, s.marked, s.now = d.nonNeg(), d.nonNeg(), d.nonNeg(), d.nonNeg(), d.i()
	if n := d.count(); n > 0 {
		s.open = make(map[string]openSeries, n)
		for range n {
			k := d.s()
			s.open[k] = openSeries{first: d.u() == 1, att: d.nonNeg(), ts: d.i(), off: d.i(), ok: d.u() == 1, last: d.i()}
		}
	}
	if t.all.runs == 0 || math.IsNaN(t.costSum) || t.costSum < 0 {
		d.fail()
	}
}

// writeCache replaces the cache file at path (in CacheDir of a logs
// directory) with m and s: a new file beside it, renamed over it.
func writeCache(path string, m fileMark, s *summary) error {
	dir := filepath.Dir(path)
	if err := recorder.MkdirNoFollow(filepath.Dir(dir), dir); err != nil {
		return err
	}
	// No fsync: a cache lost or torn in a crash costs one full read.
	if err := fsutil.ReplaceFileFrom(path, &cacheFile{m: m, s: s}, recorder.FileMode, false); err != nil {
		return fmt.Errorf("write summary cache: %w", err)
	}
	return nil
}
