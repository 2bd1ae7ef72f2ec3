package stats

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
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

// enc appends varints to a buffer.
type enc struct{ b []byte }

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
	for _, c := range d.h {
		if c != 0 {
			nz++
		}
	}
	e.u(uint64(nz))
	prev := 0
	for b, c := range d.h {
		if c != 0 {
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

func encodeCache(m fileMark, s *summary) []byte {
	e := &enc{b: make([]byte, 0, 1<<16)}
	e.b = append(e.b, cacheMagic...)
	e.u(cacheVersion)
	e.u(numDurBounds)
	for _, b := range durBoundsMs {
		e.i(b)
	}
	e.u(m.dev)
	e.u(m.ino)
	e.i(m.off)
	e.b = append(e.b, m.head[:]...)
	e.b = append(e.b, m.tail[:]...)
	e.i(int64(s.physical))
	e.i(int64(s.lines))
	e.i(int64(s.skipped))
	e.i(int64(s.firstSkipped))
	e.i(s.dayFloor)
	e.i(s.weekFloor)
	e.u(uint64(len(s.tasks)))
	for _, t := range s.tasks {
		e.task(t)
	}
	sum := sha256.Sum256(e.b)
	return append(e.b, sum[:]...)
}

var errBadCache = errors.New("not a ccq summary cache of this version")

// dec reads what enc wrote; the first error sticks and every later read
// returns zero, so callers check err once at the end (and bound loops by
// the bytes left, so garbage cannot make them allocate much).
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errBadCache
	}
	d.b = nil
}

func (d *dec) u() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) i() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) f() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *dec) raw(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) s() string { return string(d.raw(int(min(d.u(), uint64(len(d.b)+1))))) }

// count reads a length, refusing one larger than the bytes left (each item
// takes at least one byte).
func (d *dec) count() int {
	n := d.u()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *dec) nonNeg() int64 {
	v := d.i()
	if v < 0 {
		d.fail()
		return 0
	}
	return v
}

func (d *dec) cell(c *cell) {
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
		c.durs.exact = make([]uint32, 0, max(n, min(c.durs.limit, 128)))
		for range n {
			v := d.u()
			if v > math.MaxUint32 {
				d.fail()
				return
			}
			c.durs.exact = append(c.durs.exact, uint32(v))
		}
		if int64(n) != c.durs.n {
			d.fail()
		}
	case 1:
		c.durs.h = new(hist)
		b := 0
		var total int64
		for range d.count() {
			b += int(d.u())
			v := d.u()
			if b >= numBuckets || v > math.MaxUint32 {
				d.fail()
				return
			}
			c.durs.h[b] = uint32(v)
			total += int64(v)
		}
		if total != c.durs.n {
			d.fail()
		}
	default:
		d.fail()
	}
	if c.durs.n != c.durN {
		d.fail()
	}
}

func (d *dec) cells() map[int64]*cell {
	n := d.count()
	m := make(map[int64]*cell, n)
	for range n {
		k := d.i()
		c := &cell{}
		d.cell(c)
		if d.err != nil {
			return m
		}
		m[k] = c
	}
	return m
}

func (d *dec) task() *taskAgg {
	t := newTaskAgg(d.s(), true, 0)
	t.x = newSumExtra(math.MinInt64, math.MinInt64) // the summary's, set by decodeCache
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
	for i := range t.x.buckets {
		t.x.buckets[i] = d.nonNeg()
	}
	t.x.days = d.cells()
	t.x.weeks = d.cells()
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
	return t
}

func decodeCache(b []byte) (fileMark, *summary, error) {
	var m fileMark
	if len(b) < len(cacheMagic)+sha256.Size || string(b[:len(cacheMagic)]) != cacheMagic {
		return m, nil, errBadCache
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return m, nil, errBadCache
	}
	d := &dec{b: body[len(cacheMagic):]}
	if d.u() != cacheVersion || d.u() != numDurBounds {
		return m, nil, errBadCache
	}
	for _, want := range durBoundsMs {
		if d.i() != want {
			return m, nil, errBadCache
		}
	}
	m.dev, m.ino, m.off = d.u(), d.u(), d.nonNeg()
	copy(m.head[:], d.raw(sha256.Size))
	copy(m.tail[:], d.raw(sha256.Size))
	s := newSummary()
	s.physical, s.lines, s.skipped, s.firstSkipped = int(d.nonNeg()), int(d.nonNeg()), int(d.nonNeg()), int(d.nonNeg())
	s.dayFloor, s.weekFloor = d.i(), d.i()
	for range d.count() {
		t := d.task()
		if d.err != nil {
			break
		}
		t.x.dayFloor, t.x.weekFloor = s.dayFloor, s.weekFloor
		if _, dup := s.tasks[t.name]; dup {
			d.fail()
			break
		}
		s.tasks[t.name] = t
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	if d.err != nil {
		return m, nil, d.err
	}
	return m, s, nil
}

// readCache loads the cache file at path; any problem is an error for the
// caller to ignore.
func readCache(path string) (fileMark, *summary, error) {
	// One handle, checked to be a regular file: a FIFO or /dev/zero
	// planted at the cache path would hang the read or fill memory.
	b, err := recorder.ReadRegular(path, maxCacheSize)
	if errors.Is(err, recorder.ErrTooLarge) {
		return fileMark{}, nil, errBadCache
	}
	if err != nil {
		return fileMark{}, nil, err
	}
	return decodeCache(b)
}

// writeCache replaces the cache file at path (in CacheDir of a logs
// directory) with m and s: a new file beside it, renamed over it.
func writeCache(path string, m fileMark, s *summary) error {
	dir := filepath.Dir(path)
	if err := recorder.MkdirNoFollow(filepath.Dir(dir), dir); err != nil {
		return err
	}
	if err := fsutil.ReplaceFile(path, encodeCache(m, s), recorder.FileMode); err != nil {
		return fmt.Errorf("write summary cache: %w", err)
	}
	return nil
}
