package stats

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// retryHistory: task a has a series that succeeds on attempt 2, one that
// fails all three attempts and a line without extras; task b one failed
// line without extras.
func retryHistory(t *testing.T) string {
	at := func(m int) time.Time { return day0.Add(time.Duration(m) * time.Minute) }
	return history(t,
		run{task: "a", typ: recorder.ErrExit, runID: "r1", attempt: 1, at: at(0)},
		run{task: "a", ok: true, runID: "r2", attempt: 2, retryOf: "r1", at: at(2)},
		run{task: "a", typ: recorder.ErrTimeout, runID: "r3", attempt: 1, at: at(60)},
		run{task: "a", typ: recorder.ErrTimeout, runID: "r4", attempt: 2, retryOf: "r3", at: at(62)},
		run{task: "a", typ: recorder.ErrExit, runID: "r5", attempt: 3, retryOf: "r3", at: at(66)},
		run{task: "a", ok: true, runID: "r6", at: at(120)},
		run{task: "b", typ: recorder.ErrExit, runID: "r7", at: at(130)},
	)
}

type sched struct {
	runs, ok, sruns, sok, retries, lines int64
	rate                                 *float64
}

func schedOf(s TaskStats) sched {
	return sched{s.Runs, s.Successes, s.ScheduledRuns, s.ScheduledSuccesses, s.Retries, s.AttemptLines, s.ScheduledSuccessRate}
}

func checkSched(t *testing.T, what string, got TaskStats, want sched) {
	t.Helper()
	g := schedOf(got)
	if !eqF(g.rate, want.rate) {
		t.Errorf("%s: scheduled_success_rate %s, want %s", what, show(g.rate), show(want.rate))
	}
	g.rate, want.rate = nil, nil
	if g != want {
		t.Errorf("%s: runs, successes, scheduled runs, scheduled successes, retries, attempt lines = %+v, want %+v", what, g, want)
	}
}

func TestScheduledRuns(t *testing.T) {
	path := retryHistory(t)
	for _, seg := range []int64{4 << 20, 1, 200, 700} {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("segment %d workers %d", seg, workers), func(t *testing.T) {
				defer func(s int64) { segmentSize = s }(segmentSize)
				segmentSize = seg
				rep := compute(t, path, Options{Workers: workers})
				if len(rep.Tasks) != 2 {
					t.Fatalf("tasks %s", show(rep.Tasks))
				}
				// a: 6 attempts, 2 ok; 3 scheduled runs (r1+r2 ok, r3+r4+r5 failed, r6 ok).
				checkSched(t, "a", rep.Tasks[0], sched{6, 2, 3, 2, 3, 5, f(0.6667)})
				checkSched(t, "b", rep.Tasks[1], sched{1, 0, 1, 0, 0, 0, f(0)})
				checkSched(t, "overall", rep.Overall, sched{7, 2, 4, 2, 3, 5, f(0.5)})
			})
		}
	}
}

func TestScheduledRunsCutBySince(t *testing.T) {
	path := retryHistory(t)
	// From r2 on: r2 stands for its series (a success), r3's series whole.
	since := day0.Add(time.Minute).UnixMilli()
	rep := compute(t, path, Options{Filter: Filter{Since: since, Tasks: []string{"a"}}})
	checkSched(t, "a", rep.Tasks[0], sched{5, 2, 3, 2, 3, 4, f(0.6667)})
	// From r4 on: r4 and r5 are r3's series, still one failed scheduled run.
	since = day0.Add(61 * time.Minute).UnixMilli()
	rep = compute(t, path, Options{Filter: Filter{Since: since, Tasks: []string{"a"}}})
	checkSched(t, "a", rep.Tasks[0], sched{3, 1, 2, 1, 2, 2, f(0.5)})
}

// A retry line may come before its first attempt in the file (written by
// hand, or merged histories): the series is the same.
func TestScheduledRunsOutOfOrder(t *testing.T) {
	at := func(m int) time.Time { return day0.Add(time.Duration(m) * time.Minute) }
	path := history(t,
		run{task: "a", ok: true, runID: "r2", attempt: 2, retryOf: "r1", at: at(2)},
		run{task: "a", typ: recorder.ErrExit, runID: "r1", attempt: 1, at: at(0)},
		// retry_of without attempt, and attempt without run_id.
		run{task: "a", typ: recorder.ErrExit, retryOf: "r9", at: at(5)},
		run{task: "a", ok: true, attempt: 1, at: at(6)},
	)
	rep := compute(t, path, Options{})
	checkSched(t, "a", rep.Tasks[0], sched{4, 2, 3, 2, 2, 4, f(0.6667)})
}

// randomSeries writes n scheduled runs over tasks t0–t3, each with up to
// three attempts a few minutes apart, some runs without retries, and
// returns the scheduled runs and successes per task as a plain reading of
// the rules gives them.
func randomSeries(t testing.TB, rng *rand.Rand, n int, start time.Time, seq *int) ([]byte, map[string][2]int64) {
	var b bytes.Buffer
	want := map[string][2]int64{}
	for i := range n {
		task := fmt.Sprintf("t%d", rng.IntN(4))
		at := start.Add(time.Duration(i) * 17 * time.Minute)
		attempts, retries := 1+rng.IntN(3), rng.IntN(2) == 0
		if !retries {
			attempts = 1
		}
		first := ""
		var ok bool
		for a := 1; a <= attempts; a++ {
			*seq++
			id := fmt.Sprintf("r%06d", *seq)
			ok = a == attempts && rng.IntN(3) > 0
			r := run{task: task, ok: ok, runID: id, at: at.Add(time.Duration(a) * 3 * time.Minute), dur: 1}
			if !ok {
				r.typ = recorder.ErrExit
			}
			if retries {
				r.attempt = a
				if a > 1 {
					r.retryOf = first
				}
			}
			if a == 1 {
				first = id
			}
			b.Write(entryLine(t, r.entry()))
			b.WriteByte('\n')
			if rng.IntN(40) == 0 {
				b.WriteString("{torn\n")
			}
		}
		w := want[task]
		w[0]++
		if ok {
			w[1]++
		}
		want[task] = w
	}
	return b.Bytes(), want
}

// TestScheduledRunsCacheAndSegments: however the file is cut into segments
// and goroutines, and through the cache as it grows, the scheduled figures
// are those of a plain reading, and the cache answers as Compute does.
func TestScheduledRunsCacheAndSegments(t *testing.T) {
	defer func(c int, s int64) { chunkSize, segmentSize = c, s }(chunkSize, segmentSize)
	rng := rand.New(rand.NewPCG(3, 4))
	path := filepath.Join(t.TempDir(), recorder.HistoryName)
	want := map[string][2]int64{}
	at, seq := day0, 0
	for batch, n := range []int{1, 40, 900, 3, 300} {
		data, w := randomSeries(t, rng, n, at, &seq)
		at = at.Add(time.Duration(n) * 17 * time.Minute)
		for k, v := range w {
			want[k] = [2]int64{want[k][0] + v[0], want[k][1] + v[1]}
		}
		appendFile(t, path, data)
		for _, seg := range []int64{4 << 20, 4096, 333} {
			chunkSize, segmentSize = 512, seg
			for _, workers := range []int{1, 4} {
				rep := compute(t, path, Options{Workers: workers})
				for _, ts := range rep.Tasks {
					if got := [2]int64{ts.ScheduledRuns, ts.ScheduledSuccesses}; got != want[ts.TaskID] {
						t.Fatalf("batch %d segment %d workers %d task %s: scheduled runs, successes %v, want %v",
							batch, seg, workers, ts.TaskID, got, want[ts.TaskID])
					}
				}
			}
			sameAsCompute(t, path)
		}
	}
}

// TestOpenSeriesBounded: a task whose series never end (every attempt
// failed, none retried) keeps at most maxOpenSeries of them open, and each
// still counts once.
func TestOpenSeriesBounded(t *testing.T) {
	var s seriesAgg
	n := 3 * maxOpenSeries
	for i := range n {
		r := Record{Task: []byte("a"), RunID: []byte(fmt.Sprint("r", i)), Attempt: 1, TSMs: int64(i), HasTS: true}
		s.add(&r, int64(i))
		if len(s.open) > maxOpenSeries {
			t.Fatalf("%d open series after %d lines", len(s.open), i+1)
		}
	}
	if runs, ok := s.totals(); runs != int64(n) || ok != 0 {
		t.Fatalf("totals %d %d, want %d 0", runs, ok, n)
	}
	// History time moving on closes them.
	r := Record{Task: []byte("a"), RunID: []byte("late"), Attempt: 1, TSMs: 2 * seriesWindow, HasTS: true}
	s.add(&r, int64(n))
	s.settle()
	if len(s.open) != 1 {
		t.Fatalf("%d open series a day later, want 1", len(s.open))
	}
	_ = cmp.Compare(1, 2)
}
