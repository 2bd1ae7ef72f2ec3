package stats

import (
	"math/bits"
	"slices"
)

// Durations are kept in whole milliseconds. Up to a few thousand values are
// kept exactly; beyond that they move into a log-linear histogram with 32
// buckets per power of two, so memory stays bounded at any history size.
//
// Precision: a quantile read from the histogram is the midpoint of its
// bucket, clamped to the exact minimum and maximum, so it is within 1/64
// (1.6%) of a value that really is at that rank; durations below 32 ms are
// exact. Values above 2^32 ms (49 days) share the last bucket.
const (
	subBits    = 5
	subCount   = 1 << subBits
	maxExp     = 31
	numBuckets = subCount + (maxExp-subBits+1)*subCount
)

// hist counts values per bucket over a window of the buckets, c[i]
// counting bucket lo+i, widened as values arrive. The durations of one
// task or one period span a few octaves, so a window is a tenth of all
// numBuckets (3.5 kB): a warm `ccq stats` decodes and merges thousands of
// histograms, and in a fresh process every page of new memory is a page
// fault, which cost more than all the arithmetic.
type hist struct {
	lo int
	c  []uint32
}

// add counts n values in bucket b.
func (h *hist) add(b int, n uint32) {
	h.widen(b, b+1)
	h.c[b-h.lo] += n
}

// widen makes the window hold the buckets [lo, hi). Widening an existing
// window adds a quarter of its width on the side that grew, so a window
// creeping outwards one bucket at a time is copied O(log) times.
func (h *hist) widen(lo, hi int) {
	if len(h.c) > 0 {
		if lo >= h.lo && hi <= h.lo+len(h.c) {
			return
		}
		slack := max((max(hi, h.lo+len(h.c))-min(lo, h.lo))/4, 4)
		if lo < h.lo {
			lo -= slack
		} else {
			lo = h.lo
		}
		if hi > h.lo+len(h.c) {
			hi += slack
		} else {
			hi = h.lo + len(h.c)
		}
	}
	lo, hi = max(lo, 0), min(hi, numBuckets)
	c := make([]uint32, hi-lo)
	if len(h.c) > 0 {
		copy(c[h.lo-lo:], h.c)
	}
	h.lo, h.c = lo, c
}

// used is the window without its empty buckets at either end.
func (h *hist) used() (lo int, c []uint32) {
	c = h.c
	i, j := 0, len(c)
	for i < j && c[i] == 0 {
		i++
	}
	for j > i && c[j-1] == 0 {
		j--
	}
	return h.lo + i, c[i:j]
}

// addExact counts the values in lists, widening the window once.
func (h *hist) addExact(lists ...[]uint32) {
	lo, hi := numBuckets, 0
	for _, l := range lists {
		for _, v := range l {
			b := bucketOf(uint64(v))
			lo, hi = min(lo, b), max(hi, b+1)
		}
	}
	if lo >= hi {
		return
	}
	h.widen(lo, hi)
	for _, l := range lists {
		for _, v := range l {
			h.c[bucketOf(uint64(v))-h.lo]++
		}
	}
}

// total is the number of values counted.
func (h *hist) total() int64 {
	var n int64
	for _, c := range h.c {
		n += int64(c)
	}
	return n
}

// addHist adds o's counts to h.
func (h *hist) addHist(o *hist) {
	lo, c := o.used()
	if len(c) == 0 {
		return
	}
	h.widen(lo, lo+len(c))
	dst := h.c[lo-h.lo:][:len(c)]
	for i, n := range c {
		dst[i] += n
	}
}

func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	if v >= 1<<32 {
		v = 1<<32 - 1
	}
	e := bits.Len64(v) - 1
	sub := (v >> uint(e-subBits)) & (subCount - 1)
	return subCount + (e-subBits)*subCount + int(sub)
}

// bucketMid is the value a bucket stands for: its midpoint.
func bucketMid(b int) uint64 {
	if b < subCount {
		return uint64(b)
	}
	k := b - subCount
	e := k/subCount + subBits
	sub := uint64(k % subCount)
	lo := (subCount + sub) << uint(e-subBits)
	width := uint64(1) << uint(e-subBits)
	return lo + width/2
}

// durs is a multiset of durations: exact while small, a histogram after.
type durs struct {
	exact []uint32
	h     *hist
	n     int64
	limit int // how many exact values to keep before switching
}

func newDurs(limit int) durs { return durs{limit: limit} }

func clampMs(ms int64) uint32 {
	if ms < 0 {
		return 0
	}
	if ms > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(ms)
}

func (d *durs) add(ms int64) {
	v := clampMs(ms)
	d.n++
	if d.h == nil {
		if len(d.exact) < d.limit {
			if d.exact == nil {
				d.exact = make([]uint32, 0, min(d.limit, 128))
			}
			d.exact = append(d.exact, v)
			return
		}
		d.spill()
	}
	// The scan's inner loop: most values fall in the window.
	b := bucketOf(uint64(v))
	if i := b - d.h.lo; uint(i) < uint(len(d.h.c)) {
		d.h.c[i]++
		return
	}
	d.h.add(b, 1)
}

// spill moves the exact values into a histogram.
func (d *durs) spill() {
	d.h = new(hist)
	d.h.addExact(d.exact)
	d.exact = nil
}

// merge adds o's values to d. The result is exact exactly when the total
// count fits the limit, so it does not depend on how the work was split.
func (d *durs) merge(o *durs) {
	if o.n == 0 {
		return
	}
	if d.h == nil && o.h == nil && len(d.exact)+len(o.exact) <= d.limit {
		d.exact = append(d.exact, o.exact...)
		d.n += o.n
		return
	}
	d.n += o.n
	if d.h == nil {
		d.h = new(hist)
		if o.h == nil {
			d.h.addExact(d.exact, o.exact)
			d.exact = nil
			return
		}
		if lo, c := o.h.used(); len(c) > 0 {
			d.h.widen(lo, lo+len(c)) // one window for both
		}
		d.h.addExact(d.exact)
		d.exact = nil
	}
	if o.h != nil {
		d.h.addHist(o.h)
	} else {
		d.h.addExact(o.exact)
	}
}

// quantiles returns nearest-rank quantiles in milliseconds: for each q (in
// thousandths) the smallest value with at least q/1000 of all values at or
// below it, i.e. the value of rank ceil(q*n/1000). qs must be ascending. min
// and max are the exact extremes, used to clamp. Exact values are sorted in
// place: their order means nothing, and a copy per cell was a good part of
// what a warm `ccq stats` allocated.
func (d *durs) quantiles(minMs, maxMs int64, qs ...int64) []int64 {
	out := make([]int64, len(qs))
	if d.n == 0 {
		return out
	}
	ranks := make([]int64, len(qs))
	for i, q := range qs {
		r := (q*d.n + 999) / 1000
		if r < 1 {
			r = 1
		}
		if r > d.n {
			r = d.n
		}
		ranks[i] = r
	}
	if d.h == nil {
		slices.Sort(d.exact)
		for i, r := range ranks {
			out[i] = int64(d.exact[r-1])
		}
		return out
	}
	var cum int64
	qi := 0
	for i, c := range d.h.c {
		cum += int64(c)
		for qi < len(ranks) && cum >= ranks[qi] {
			v := int64(bucketMid(d.h.lo + i))
			out[qi] = min(max(v, minMs), maxMs)
			qi++
		}
		if qi == len(ranks) {
			break
		}
	}
	return out
}
