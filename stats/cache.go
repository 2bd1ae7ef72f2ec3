package stats

import (
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"

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
	cacheVersion = 5 // 2: scheduled runs (series.go); 3: names as valid UTF-8; 4: verify failures apart; 5: CRC-64 sums
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

// The cache's checksum and the marks of the history are CRC-64 (ECMA):
// they catch a torn or stale file, not an adversary, and crypto/sha256
// cost every ccq start its package initialisation (the FIPS module's).
const sumSize = crc64.Size

var crcTable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64.ECMA) })

func newSum() hash.Hash64 { return crc64.New(crcTable()) }

func sumOf(b []byte) (out [sumSize]byte) {
	h := newSum()
	h.Write(b)
	h.Sum(out[:0])
	return out
}

// fileMark recognises a history file at an offset.
type fileMark struct {
	dev, ino   uint64
	off        int64
	head, tail [sumSize]byte
}

// markAt computes the mark of f at off.
func markAt(f *os.File, st os.FileInfo, off int64) (fileMark, error) {
	m := fileMark{off: off}
	m.dev, m.ino = fileID(st)
	buf := make([]byte, min(off, hashSpan))
	if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
		return m, err
	}
	m.head = sumOf(buf)
	if _, err := f.ReadAt(buf, off-int64(len(buf))); err != nil && err != io.EOF {
		return m, err
	}
	m.tail = sumOf(buf)
	return m, nil
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
