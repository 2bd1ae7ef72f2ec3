package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHistogramPrecision checks the documented bound: past the exact limit
// a quantile is within 1/64 of the true value at that rank.
func TestHistogramPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{10, 5000, 100000} {
		d := newDurs(exactPerTask)
		var all []int64
		var lo, hi int64 = math.MaxInt64, 0
		for range n {
			v := int64(math.Exp(rng.NormFloat64()*2+10)) + rng.Int64N(40)
			d.add(v)
			all = append(all, min(v, 1<<32-1))
			lo, hi = min(lo, v), max(hi, v)
		}
		slices.Sort(all)
		qs := []int64{10, 250, 500, 950, 999, 1000}
		got := d.quantiles(lo, hi, qs...)
		for i, q := range qs {
			want := all[(q*int64(n)+999)/1000-1]
			tol := 0.0
			if n > exactPerTask {
				tol = float64(want) / 64
			}
			if math.Abs(float64(got[i]-want)) > tol+0.5 {
				t.Errorf("n=%d q=%d: got %d, want %d ± %.1f", n, q, got[i], want, tol)
			}
		}
	}
}

// TestMergeDeterministic: how the values were split between goroutines
// does not change the result.
func TestMergeDeterministic(t *testing.T) {
	for _, total := range []int{100, 128, 129, 300} {
		vals := make([]int64, total)
		for i := range vals {
			vals[i] = int64(i*37%1000) * 1000
		}
		whole := newDurs(exactPerCell)
		for _, v := range vals {
			whole.add(v)
		}
		a, b := newDurs(exactPerCell), newDurs(exactPerCell)
		for i, v := range vals {
			if i%3 == 0 {
				a.add(v)
			} else {
				b.add(v)
			}
		}
		a.merge(&b)
		w := whole.quantiles(0, 999000, 500, 950)
		g := a.quantiles(0, 999000, 500, 950)
		if !slices.Equal(w, g) || (whole.h == nil) != (a.h == nil) {
			t.Errorf("total %d: whole %v (hist %v), merged %v (hist %v)", total, w, whole.h != nil, g, a.h != nil)
		}
	}
}
