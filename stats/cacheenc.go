package stats

import (
	"bytes"
	"encoding/binary"
	"hash"
	"io"
	"math"
)

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
	e := &enc{b: make([]byte, 0, 2*flushAt), w: w, sum: newSum()}
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
