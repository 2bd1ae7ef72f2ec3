package stats

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// randomLines makes n history lines: tasks with different run counts (one
// with enough runs to leave the exact durations), every outcome, costs,
// details, and some lines that are malformed or blank.
func randomLines(t testing.TB, rng *rand.Rand, n int, start time.Time, step time.Duration) []byte {
	var b bytes.Buffer
	types := []recorder.ErrorType{recorder.ErrTimeout, recorder.ErrExit, recorder.ErrException, "foreign"}
	for i := range n {
		switch rng.IntN(50) {
		case 0:
			b.WriteString("{torn\n")
			continue
		case 1:
			b.WriteString("\n")
			continue
		}
		task := fmt.Sprintf("t%d", min(rng.IntN(12), 4)) // t4 gets most runs
		r := run{task: task, ok: rng.IntN(5) > 0, tokens: int64(rng.IntN(100000)),
			dur: float64(rng.IntN(20000000)) / 1000, at: start.Add(time.Duration(i) * step)}
		if rng.IntN(7) == 0 {
			r.at = r.at.Add(-time.Duration(rng.IntN(400)) * time.Hour) // out of order
		}
		if !r.ok {
			r.typ = types[rng.IntN(len(types))]
			r.detail = fmt.Sprintf("d%d", rng.IntN(5))
			r.verify = r.typ == recorder.ErrExit && rng.IntN(2) == 0
		}
		if rng.IntN(3) == 0 {
			r.cost = float64(rng.IntN(1000)) / 1000
		}
		b.Write(entryLine(t, r.entry()))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func appendFile(t testing.TB, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// sameAsCompute checks that Compute through the cache gives what Compute
// without one gives, for a few option sets.
func sameAsCompute(t *testing.T, path string) {
	t.Helper()
	for _, opt := range []Options{{}, {Period: PeriodDay}, {Period: PeriodWeek}, {Filter: Filter{Tasks: []string{"t[13]"}}}} {
		want := show(compute(t, path, opt))
		opt.Cache = CachePath(path)
		if got := show(compute(t, path, opt)); got != want {
			t.Fatalf("options %+v: through the cache\n%s\nwithout\n%s", opt, got, want)
		}
	}
}

func TestCacheMatchesCompute(t *testing.T) {
	defer func(c int, s int64) { chunkSize, segmentSize = c, s }(chunkSize, segmentSize)
	chunkSize, segmentSize = 512, 4096 // many segments even for small files
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	path := filepath.Join(dir, recorder.HistoryName)
	at := day0
	for batch, n := range []int{0, 1, 300, 7000, 5, 2000} {
		appendFile(t, path, randomLines(t, rng, n, at, 47*time.Minute))
		at = at.Add(time.Duration(n) * 47 * time.Minute)
		t.Run(fmt.Sprint("batch", batch), func(t *testing.T) { sameAsCompute(t, path) })
	}
	// An unterminated last line, good and then torn: counted, never cached.
	e := entryLine(t, run{task: "t1", ok: true, dur: 3, at: at}.entry())
	appendFile(t, path, e)
	sameAsCompute(t, path)
	appendFile(t, path, []byte("{\"task_id\":\"x\""))
	sameAsCompute(t, path)
	appendFile(t, path, []byte("\n"))
	sameAsCompute(t, path)
}

func TestTrackerReadsOnlyNewLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, recorder.HistoryName)
	rng := rand.New(rand.NewPCG(3, 4))
	appendFile(t, path, randomLines(t, rng, 500, day0, time.Hour))
	cache := CachePath(path)
	tr := NewTracker(path, cache)
	if err := tr.Update(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Save(); err != nil {
		t.Fatal(err)
	}
	more := randomLines(t, rng, 10, day0.Add(600*time.Hour), time.Hour)
	appendFile(t, path, more)

	tr = NewTracker(path, cache)
	if err := tr.Update(); err != nil {
		t.Fatal(err)
	}
	if in := tr.Info(); !in.FromCache || in.Rebuilt != "" || in.BytesRead != int64(len(more)) {
		t.Errorf("update %+v, want from the cache reading %d bytes", in, len(more))
	}
	if err := tr.Update(); err != nil { // nothing new
		t.Fatal(err)
	}
	if in := tr.Info(); in.BytesRead != 0 || in.Rebuilt != "" {
		t.Errorf("second update %+v, want nothing read", in)
	}
	if st, err := os.Stat(cache); err != nil || st.Mode().Perm() != recorder.FileMode {
		t.Errorf("cache file: %v %v", st, err)
	}
}

// TestCacheDistrust: a history replaced, truncated or rewritten, and a cache
// that is corrupt, foreign, or a symlink, all give Compute's answer.
func TestCacheDistrust(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	setup := func(t *testing.T) (string, string, []byte) {
		path := filepath.Join(t.TempDir(), recorder.HistoryName)
		data := randomLines(t, rng, 400, day0, time.Hour)
		appendFile(t, path, data)
		sameAsCompute(t, path) // writes the cache
		return path, CachePath(path), data
	}
	rebuilt := func(t *testing.T, path, want string) {
		t.Helper()
		tr := NewTracker(path, CachePath(path))
		if err := tr.Update(); err != nil {
			t.Fatal(err)
		}
		if got := tr.Info().Rebuilt; got != want {
			t.Errorf("rebuilt %q, want %q", got, want)
		}
		sameAsCompute(t, path)
	}
	t.Run("replaced", func(t *testing.T) {
		path, _, data := setup(t)
		tmp := path + ".new"
		appendFile(t, tmp, data[:len(data)/2])
		appendFile(t, tmp, randomLines(t, rng, 300, day0, time.Hour))
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		rebuilt(t, path, "the history file was replaced")
	})
	t.Run("truncated", func(t *testing.T) {
		path, _, data := setup(t)
		if err := os.Truncate(path, int64(len(data)/3)); err != nil {
			t.Fatal(err)
		}
		rebuilt(t, path, "the history file was truncated")
	})
	t.Run("rewritten in place", func(t *testing.T) {
		path, _, data := setup(t)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		other := randomLines(t, rng, 800, day0.AddDate(0, 1, 0), time.Minute)
		f.WriteAt(other[:len(data)], 0) // same size, other bytes
		f.Close()
		rebuilt(t, path, "the history file was rewritten")
	})
	for _, tc := range []struct {
		name string
		mess func([]byte) []byte
	}{
		{"garbage", func([]byte) []byte { return []byte("hello") }},
		{"empty", func([]byte) []byte { return nil }},
		{"cut short", func(b []byte) []byte { return b[:len(b)/2] }},
		{"a byte flipped", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"another version", func(b []byte) []byte { b[len(cacheMagic)] = 99; return b }},
	} {
		t.Run("cache "+tc.name, func(t *testing.T) {
			path, cache, _ := setup(t)
			b, err := os.ReadFile(cache)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cache, tc.mess(b), 0o600); err != nil {
				t.Fatal(err)
			}
			rebuilt(t, path, "no summary yet")
			if b2, _ := os.ReadFile(cache); !bytes.Equal(b2[:len(cacheMagic)], []byte(cacheMagic)) {
				t.Error("the cache was not rewritten")
			}
		})
	}
	t.Run("cache is a symlink", func(t *testing.T) {
		path, cache, _ := setup(t)
		victim := filepath.Join(t.TempDir(), "victim")
		os.WriteFile(victim, []byte("keep"), 0o600)
		os.Remove(cache)
		if err := os.Symlink(victim, cache); err != nil {
			t.Fatal(err)
		}
		appendFile(t, path, randomLines(t, rng, 5, day0.AddDate(0, 2, 0), time.Hour))
		sameAsCompute(t, path)
		if b, _ := os.ReadFile(victim); string(b) != "keep" {
			t.Errorf("the link's target was written: %q", b)
		}
	})
	t.Run("cache dir is a symlink", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), recorder.HistoryName)
		appendFile(t, path, randomLines(t, rng, 50, day0, time.Hour))
		elsewhere := t.TempDir()
		if err := os.Symlink(elsewhere, filepath.Join(filepath.Dir(path), CacheDir)); err != nil {
			t.Fatal(err)
		}
		sameAsCompute(t, path)
		if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
			t.Errorf("wrote through the link: %v", ents)
		}
	})
}

// TestCachePrunedFallsBack: an anchor before what the summary keeps reads
// the whole file and still answers right.
func TestCachePrunedFallsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), recorder.HistoryName)
	rng := rand.New(rand.NewPCG(7, 8))
	appendFile(t, path, randomLines(t, rng, 3000, day0, 6*time.Hour)) // 750 days
	sameAsCompute(t, path)
	opt := Options{Anchor: day0.AddDate(0, 3, 0).UnixMilli()}
	want := show(compute(t, path, opt))
	opt.Cache = CachePath(path)
	if got := show(compute(t, path, opt)); got != want {
		t.Fatalf("through the cache\n%s\nwithout\n%s", got, want)
	}
	tr := NewTracker(path, CachePath(path))
	tr.Update()
	if _, ok := tr.Report(opt); ok {
		t.Error("the summary answered for periods it pruned")
	}
}

// TestTotals checks the totals against a hand count, and the duration
// buckets at their edges: le=10 holds 10.000 s but not 10.001 s.
func TestTotals(t *testing.T) {
	path := history(t,
		run{task: "a", ok: true, tokens: 10, dur: 10, at: day0, cost: 0.5},
		run{task: "a", ok: false, typ: recorder.ErrTimeout, tokens: 5, dur: 10.001, at: day0.Add(time.Hour)},
		run{task: "a", ok: true, tokens: 1, dur: 14400, at: day0.Add(2 * time.Hour)},
		run{task: "a", ok: false, typ: recorder.ErrExit, dur: 14400.001, at: day0.Add(3 * time.Hour)},
		"not json",
		run{task: "b", ok: false, at: day0.Add(time.Minute)},
		`{"task_id":"b","success":true,"tokens":7}`,
	)
	tr := NewTracker(path, "")
	if err := tr.Update(); err != nil {
		t.Fatal(err)
	}
	tot := tr.Totals()
	if tot.Lines != 7 || tot.Skipped != 1 || len(tot.Tasks) != 2 {
		t.Fatalf("totals %+v", tot)
	}
	a, b := tot.Tasks[0], tot.Tasks[1]
	wantBuckets := make([]int64, numDurBounds+1)
	wantBuckets[0], wantBuckets[1], wantBuckets[numDurBounds-1], wantBuckets[numDurBounds] = 1, 1, 1, 1
	if a.Runs != 4 || a.Successes != 2 || a.Failures["timeout"] != 1 || a.Failures["exit_error"] != 1 ||
		a.Tokens != 16 || a.CostUSD != 0.5 || a.RunsWithCost != 1 || a.DurationRuns != 4 ||
		a.DurationSumMs != 10000+10001+14400000+14400001 || show(a.DurationBuckets) != show(wantBuckets) ||
		a.LastRunMs != day0.Add(3*time.Hour).UnixMilli() || a.LastRunSuccess ||
		a.LastSuccessMs != day0.Add(2*time.Hour).UnixMilli() {
		t.Errorf("task a: %+v", a)
	}
	if b.Runs != 2 || b.Successes != 1 || b.Failures["unknown"] != 1 || b.Tokens != 7 ||
		b.LastRunMs != day0.Add(time.Minute).UnixMilli() || b.LastRunSuccess || b.LastSuccessMs != 0 {
		t.Errorf("task b: %+v", b)
	}
}

func FuzzDecodeCache(f *testing.F) {
	path := filepath.Join(f.TempDir(), recorder.HistoryName)
	appendFile(f, path, randomLines(f, rand.New(rand.NewPCG(9, 9)), 300, day0, time.Hour))
	tr := NewTracker(path, "")
	if err := tr.Update(); err != nil {
		f.Fatal(err)
	}
	f.Add(encodeCache(tr.mark, tr.sum))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Garbage must be refused or decode to something usable, never panic.
		if len(b) > len(cacheMagic) {
			copy(b, cacheMagic)
		}
		if m, s, err := decodeCache(b); err == nil {
			encodeCache(m, s)
			totalsFrom(s.counts(nil), s)
		}
	})
}
