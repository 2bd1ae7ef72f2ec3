package stats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"math"

	"github.com/ccq-dev/ccq/recorder"
)

var errBadCache = errors.New("not a ccq summary cache of this version")

// decBufSize is how much of the cache file a dec holds at a time. The
// summary is built as the file is read, never from the whole file in
// memory: a fresh process pays a page fault for every 4 KiB it first
// touches, and in a virtual machine those cost more than the decoding.
const decBufSize = 32 << 10

// dec reads what enc wrote, from r through a small buffer, and hashes
// every byte of the body as it goes. The first error sticks and every
// later read returns zero, so callers check err once at the end (and bound
// loops by the bytes left, so garbage cannot make them allocate much).
type dec struct {
	r    io.Reader
	buf  []byte // read from r; b is its unread end
	b    []byte
	left int64 // body bytes not yet read from r
	sum  hash.Hash
	err  error
	hbuf *[numBuckets]uint32 // all zero between hist calls
}

func newDec(r io.Reader, bodySize int64) *dec {
	return &dec{r: r, buf: make([]byte, min(bodySize, decBufSize)), left: bodySize, sum: newSum()}
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errBadCache
	}
	d.b, d.left = nil, 0
}

// avail is the number of body bytes not yet decoded.
func (d *dec) avail() int64 { return int64(len(d.b)) + d.left }

// more makes d.b hold at least n bytes, or all that is left.
func (d *dec) more(n int) {
	if len(d.b) >= n || d.left == 0 {
		return
	}
	if n > len(d.buf) {
		d.buf = make([]byte, n)
	}
	k := copy(d.buf, d.b)
	m := int(min(int64(len(d.buf)-k), d.left))
	if _, err := io.ReadFull(d.r, d.buf[k:k+m]); err != nil {
		d.fail()
		return
	}
	d.sum.Write(d.buf[k : k+m])
	d.left -= int64(m)
	d.b = d.buf[:k+m]
}

func (d *dec) u() uint64 {
	d.more(binary.MaxVarintLen64)
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) i() int64 {
	d.more(binary.MaxVarintLen64)
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) f() float64 {
	d.more(8)
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

// raw reads n bytes; they are valid until the next read.
func (d *dec) raw(n uint64) []byte {
	if n > uint64(d.avail()) {
		d.fail()
		return nil
	}
	d.more(int(n))
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) s() string { return string(d.raw(d.u())) }

// count reads a length, refusing one larger than the bytes left (each item
// takes at least one byte).
func (d *dec) count() int {
	n := d.u()
	if n > uint64(d.avail()) {
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

// hist reads a histogram's (bucket delta, count) pairs into d.hbuf, then
// into h the window they fill, reusing h's storage.
func (d *dec) hist(h *hist) {
	if d.hbuf == nil {
		d.hbuf = new([numBuckets]uint32)
	}
	b, lo, hi := 0, numBuckets, 0
	for i := range d.count() {
		delta, v := d.u(), d.u()
		if (i > 0 && delta == 0) || delta >= numBuckets || v == 0 || v > math.MaxUint32 {
			d.fail()
		}
		b += int(delta)
		if d.err != nil || b >= numBuckets {
			d.fail()
			break
		}
		d.hbuf[b] = uint32(v)
		lo, hi = min(lo, b), max(hi, b+1)
	}
	h.lo, h.c = 0, h.c[:0]
	if lo < hi {
		if cap(h.c) < hi-lo {
			h.c = make([]uint32, hi-lo)
		}
		h.lo, h.c = lo, h.c[:hi-lo]
		copy(h.c, d.hbuf[lo:hi])
		clear(d.hbuf[lo:hi])
	}
}

// decodeCache decodes a whole cache file held in memory.
func decodeCache(b []byte) (fileMark, *summary, error) {
	return decodeCacheFrom(bytes.NewReader(b), int64(len(b)))
}

// decodeCacheFrom decodes the size bytes of a cache file read from r. The
// summary is built before the checksum at the end can be compared, and
// dropped when it does not match.
func decodeCacheFrom(r io.Reader, size int64) (fileMark, *summary, error) {
	d, m, s := decodeHead(r, size)
	for range d.count() {
		t := newTaskAgg(d.s(), true, 0)
		t.x = &sumExtra{dayFloor: s.dayFloor, weekFloor: s.weekFloor}
		d.task(t, &t.x.buckets, keepIn(&t.x.days), keepIn(&t.x.weeks))
		if d.err != nil {
			break
		}
		if t.x.days == nil {
			t.x.days = map[int64]*cell{}
		}
		if t.x.weeks == nil {
			t.x.weeks = map[int64]*cell{}
		}
		if _, dup := s.tasks[t.name]; dup {
			d.fail()
			break
		}
		s.tasks[t.name] = t
	}
	if err := d.end(r); err != nil {
		return m, nil, err
	}
	return m, s, nil
}

// decodeHead starts decoding the size bytes of a cache file read from r:
// the header, the mark and the summary's counts, up to the tasks. The
// returned dec has failed when they are not those of a cache of this
// version.
func decodeHead(r io.Reader, size int64) (*dec, fileMark, *summary) {
	var m fileMark
	s := newSummary()
	d := newDec(r, max(size-sumSize, 0))
	if size < int64(len(cacheMagic))+sumSize {
		d.fail()
		return d, m, s
	}
	if string(d.raw(uint64(len(cacheMagic)))) != cacheMagic || d.u() != cacheVersion || d.u() != numDurBounds {
		d.fail()
		return d, m, s
	}
	for _, want := range durBoundsMs {
		if d.i() != want {
			d.fail()
		}
	}
	m.dev, m.ino, m.off = d.u(), d.u(), d.nonNeg()
	copy(m.head[:], d.raw(sumSize))
	copy(m.tail[:], d.raw(sumSize))
	s.physical, s.lines, s.skipped, s.firstSkipped = int(d.nonNeg()), int(d.nonNeg()), int(d.nonNeg()), int(d.nonNeg())
	s.dayFloor, s.weekFloor = d.i(), d.i()
	return d, m, s
}

// end checks that the whole body was read and that the checksum after it,
// read from r, is its own. Whatever was built from the body before is
// only trusted when end returns nil.
func (d *dec) end(r io.Reader) error {
	if d.err == nil && d.avail() != 0 {
		d.fail()
	}
	if d.err != nil {
		return d.err
	}
	var sum [sumSize]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil || !bytes.Equal(d.sum.Sum(nil), sum[:]) {
		return errBadCache
	}
	return nil
}

// readCache loads the cache file at path; any problem is an error for the
// caller to ignore.
func readCache(path string) (fileMark, *summary, error) {
	// One handle, checked to be a regular file: a FIFO or /dev/zero
	// planted at the cache path would hang the read or fill memory.
	f, err := recorder.OpenRegular(path)
	if err != nil {
		return fileMark{}, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileMark{}, nil, err
	}
	if st.Size() > maxCacheSize {
		return fileMark{}, nil, errBadCache
	}
	return decodeCacheFrom(f, st.Size())
}
