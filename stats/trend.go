package stats

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// Trend periods.
const (
	PeriodDay  = "day"
	PeriodWeek = "week"
)

const (
	dayMs  = int64(24 * time.Hour / time.Millisecond)
	weekMs = 7 * dayMs
	// 1970-01-01 was a Thursday; weeks start on Monday 1970-01-05 + 7k days.
	mondayMs = 4 * dayMs
)

// How many periods the trend keeps, and how many of them make each of the
// two windows the verdict compares.
const (
	DayPeriods  = 28
	DayWindow   = 7
	WeekPeriods = 26
	WeekWindow  = 4
)

// Verdict rule. The recent window is slower (faster) when its median
// duration is at least MinChange above (below) the previous window's, both
// windows hold at least MinRuns runs with a duration, and the two medians'
// 95% notches (median ± 1.58·IQR/√n, McGill, Tukey and Larsen 1978) do not
// overlap. Otherwise it is flat, or too_few_runs when a window is short.
const (
	MinRuns   = 5
	MinChange = 0.10
)

// Verdicts.
const (
	VerdictSlower   = "slower"
	VerdictFaster   = "faster"
	VerdictFlat     = "flat"
	VerdictTooFew   = "too_few_runs"
	VerdictNoTrend  = "none" // no trend was computed (no timestamps)
	OverallTaskName = "*"
)

// trendGrid maps a time to its period cell.
type trendGrid struct {
	n     int   // number of periods; 0 means no trend
	start int64 // unix ms of the first period's start
	step  int64
}

func (g trendGrid) index(ts int64) int {
	if g.n == 0 || ts < g.start {
		return -1
	}
	i := (ts - g.start) / g.step
	if i >= int64(g.n) {
		return -1
	}
	return int(i)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func periodStart(ts int64, period string) int64 {
	if period == PeriodWeek {
		return floorDiv(ts-mondayMs, weekMs)*weekMs + mondayMs
	}
	return floorDiv(ts, dayMs) * dayMs
}

// chooseGrid picks the trend periods: days or weeks (opt.Period, else days
// when the runs span at most DayPeriods days), ending with the period that
// holds the anchor (opt.Anchor, else the end of --until, else the newest
// run). No trend (n = 0) when no run has a timestamp.
func chooseGrid(path string, opt Options) (g trendGrid, period string, window int) {
	anchor := opt.Anchor
	if anchor == 0 && opt.Filter.Until != 0 {
		anchor = opt.Filter.Until - 1
	}
	if anchor == 0 {
		anchor, _ = edgeTime(path, true)
	}
	period = opt.Period
	if period == "" {
		first := opt.Filter.Since
		if first == 0 {
			first, _ = edgeTime(path, false)
		}
		period = PeriodWeek
		if first != 0 && anchor-first < DayPeriods*dayMs {
			period = PeriodDay
		}
	}
	window = DayWindow
	if period == PeriodWeek {
		g.n, g.step, window = WeekPeriods, weekMs, WeekWindow
	} else {
		g.n, g.step = DayPeriods, dayMs
	}
	if anchor == 0 {
		g.n = 0
	} else {
		g.start = periodStart(anchor, period) - int64(g.n-1)*g.step
	}
	return g, period, window
}

// window merges the duration figures of some periods.
func mergeCells(cs []*cell) *cell {
	m := &cell{durs: newDurs(exactPerTask)}
	for _, c := range cs {
		if c != nil {
			m.merge(c)
		}
	}
	return m
}

func verdict(prevCells, recentCells []*cell) Trend {
	p, r := mergeCells(prevCells), mergeCells(recentCells)
	t := Trend{Verdict: VerdictTooFew, RecentRuns: r.durN, PreviousRuns: p.durN}
	var pq, rq []int64
	if p.durN > 0 {
		pq = p.durs.quantiles(p.durMin, p.durMax, 250, 500, 750)
		t.PreviousP50 = ptr(float64(pq[1]) / 1000)
	}
	if r.durN > 0 {
		rq = r.durs.quantiles(r.durMin, r.durMax, 250, 500, 750)
		t.RecentP50 = ptr(float64(rq[1]) / 1000)
	}
	if p.durN > 0 && r.durN > 0 && pq[1] > 0 {
		t.Change = ptr(round(float64(rq[1])/float64(pq[1])-1, 4))
	}
	if p.durN < MinRuns || r.durN < MinRuns {
		return t
	}
	t.Verdict = VerdictFlat
	notch := func(q []int64, n int64) float64 { return 1.58 * float64(q[2]-q[0]) / math.Sqrt(float64(n)) }
	diff := math.Abs(float64(rq[1] - pq[1]))
	if t.Change == nil || diff <= notch(pq, p.durN)+notch(rq, r.durN) || math.Abs(*t.Change) < MinChange {
		return t
	}
	if *t.Change > 0 {
		t.Verdict = VerdictSlower
	} else {
		t.Verdict = VerdictFaster
	}
	return t
}

// edgeTime reads the latest (fromEnd) or earliest timestamp among the lines
// in the last or first 256 KB of the history: the newest runs are appended
// at the end, the oldest sit at the start. 0 when none is readable. It
// reads through a small buffer: a warm `ccq stats` is short enough that
// 256 KB of fresh memory would cost it more than the parsing.
func edgeTime(path string, fromEnd bool) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	const span = 256 << 10
	off, end := int64(0), min(span, st.Size())
	if fromEnd && st.Size() > span {
		off, end = st.Size()-span, st.Size()
	}
	var best int64
	var rec Record
	first := off > 0 // the first line may be cut
	buf := make([]byte, min(16<<10, end-off))
	carry := 0 // the start of a line, at the front of buf
	for off < end {
		if carry == len(buf) { // a line longer than buf
			buf = append(buf, make([]byte, len(buf))...)
		}
		n, err := f.ReadAt(buf[carry:min(int64(len(buf)), int64(carry)+end-off)], off)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("read history: %w", err)
		}
		if n == 0 {
			break // the file shrank
		}
		off += int64(n)
		data := buf[:carry+n]
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			if !first && ParseLine(trimCR(data[:i]), &rec) && rec.HasTS {
				best = edgeBest(best, rec.TSMs, fromEnd)
			}
			first, data = false, data[i+1:]
		}
		carry = copy(buf, data)
	}
	if carry > 0 && !first && ParseLine(trimCR(buf[:carry]), &rec) && rec.HasTS {
		best = edgeBest(best, rec.TSMs, fromEnd)
	}
	return best, nil
}

func edgeBest(best, ts int64, fromEnd bool) int64 {
	if best == 0 || (fromEnd && ts > best) || (!fromEnd && ts < best) {
		return ts
	}
	return best
}
