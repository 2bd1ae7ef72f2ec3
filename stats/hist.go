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

type hist [numBuckets]uint32

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
	d.h[bucketOf(uint64(v))]++
}

func (d *durs) spill() {
	d.h = new(hist)
	for _, v := range d.exact {
		d.h[bucketOf(uint64(v))]++
	}
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
	if d.h == nil {
		d.spill()
	}
	if o.h != nil {
		for i, c := range o.h {
			d.h[i] += c
		}
	} else {
		for _, v := range o.exact {
			d.h[bucketOf(uint64(v))]++
		}
	}
	d.n += o.n
}

// quantiles returns nearest-rank quantiles in milliseconds: for each q (in
// thousandths) the smallest value with at least q/1000 of all values at or
// below it, i.e. the value of rank ceil(q*n/1000). qs must be ascending. min
// and max are the exact extremes, used to clamp.
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
		s := slices.Clone(d.exact)
		slices.Sort(s)
		for i, r := range ranks {
			out[i] = int64(s[r-1])
		}
		return out
	}
	var cum int64
	qi := 0
	for b, c := range d.h {
		cum += int64(c)
		for qi < len(ranks) && cum >= ranks[qi] {
			v := int64(bucketMid(b))
			out[qi] = min(max(v, minMs), maxMs)
			qi++
		}
		if qi == len(ranks) {
			break
		}
	}
	return out
}
