package stats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// TestReportFromCache: the cache file and the lines appended since it
// was written answer Compute (the summary is never built, the cache never
// rewritten) with what Compute without a cache says, until saveAfter bytes
// were appended, the last line unterminated or not; it declines when the
// cache is damaged and when the grid reaches periods the summary pruned.
func TestReportFromCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), recorder.HistoryName)
	cache := CachePath(path)
	rng := rand.New(rand.NewPCG(21, 22))
	appendFile(t, path, randomLines(t, rng, 3000, day0, 3*time.Hour)) // a year
	opts := []Options{{}, {Period: PeriodDay}, {Period: PeriodWeek}, {Filter: Filter{Tasks: []string{"t[13]"}}}}
	answers := func(t *testing.T, want bool) {
		t.Helper()
		for _, opt := range opts {
			opt.Cache = cache
			rep, ok := reportFromCache(path, opt)
			if ok != want {
				t.Fatalf("options %+v: answered %v, want %v", opt, ok, want)
			}
			if !ok {
				continue
			}
			opt.Cache = ""
			if got, want := show(rep), show(compute(t, path, opt)); got != want {
				t.Fatalf("options %+v: from the cache\n%s\nwithout\n%s", opt, got, want)
			}
		}
	}
	unchanged := func(t *testing.T, before os.FileInfo) {
		t.Helper()
		compute(t, path, Options{Cache: cache})
		if after, err := os.Stat(cache); err != nil || !os.SameFile(before, after) || after.ModTime() != before.ModTime() {
			t.Error("the cache was rewritten")
		}
	}
	answers(t, false) // no cache yet
	compute(t, path, Options{Cache: cache})
	before, err := os.Stat(cache)
	if err != nil {
		t.Fatal(err)
	}
	cached, _ := os.Stat(path)
	answers(t, true)
	unchanged(t, before)

	at := day0.AddDate(1, 0, 0)
	appendFile(t, path, randomLines(t, rng, 20, at, time.Hour))
	answers(t, true)
	appendFile(t, path, []byte(`{"task_id":"t1","success":true`)) // being written
	answers(t, true)
	appendFile(t, path, []byte("}\n"))
	answers(t, true)
	unchanged(t, before)

	for st, _ := os.Stat(path); st.Size()-cached.Size() <= saveAfter; st, _ = os.Stat(path) {
		at = at.Add(300 * time.Hour)
		appendFile(t, path, randomLines(t, rng, 300, at, time.Hour))
	}
	answers(t, false)
	compute(t, path, Options{Cache: cache}) // brings the cache up to date
	answers(t, true)

	old := Options{Anchor: day0.AddDate(0, 1, 0).UnixMilli(), Cache: cache}
	if _, ok := reportFromCache(path, old); ok {
		t.Error("answered for periods the summary pruned")
	}

	b, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(cache, b, 0o600); err != nil {
		t.Fatal(err)
	}
	answers(t, false)
}

// TestCacheFileRead: the cache file read as a plain Reader holds what
// WriteTo streams in several flushes (in another order: tasks and cells
// come from maps), and both decode to the summary written.
func TestCacheFileRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	var runs []any
	for i := range 6000 { // enough tasks and durations for several flushes
		runs = append(runs, run{task: fmt.Sprintf("task-%d", i%300), ok: true, dur: float64(rng.IntN(1e7)) / 1000,
			at: day0.Add(time.Duration(i) * time.Hour)})
	}
	path := history(t, runs...)
	tr := NewTracker(path, "")
	if err := tr.Update(); err != nil {
		t.Fatal(err)
	}
	want, _ := tr.Report(Options{})
	var streamed bytes.Buffer
	if _, err := (&cacheFile{m: tr.mark, s: tr.sum}).WriteTo(&streamed); err != nil || streamed.Len() < 64<<10 {
		t.Fatalf("WriteTo wrote %d bytes: %v", streamed.Len(), err)
	}
	read, err := io.ReadAll(struct{ io.Reader }{&cacheFile{m: tr.mark, s: tr.sum}}) // hides WriteTo
	if err != nil || len(read) != streamed.Len() {
		t.Fatalf("Read gave %d bytes (%v), WriteTo %d", len(read), err, streamed.Len())
	}
	for _, b := range [][]byte{streamed.Bytes(), read} {
		m, s, err := decodeCache(b)
		if err != nil || m != tr.mark {
			t.Fatalf("decoded %v %v, want %v", m, err, tr.mark)
		}
		got, _ := reportFrom(path, Options{}, tr.counts(), false, s)
		if show(got) != show(want) || show(totalsFrom(tr.counts(), s)) != show(tr.Totals()) {
			t.Fatal("the decoded summary is not the one written")
		}
	}
}

// TestHistWindow: a histogram that keeps a window of its buckets counts as
// one with all of them, whatever the order of the values and merges.
func TestHistWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for round := range 200 {
		var want [numBuckets]uint32
		parts := make([]durs, 1+rng.IntN(5))
		for i := range parts {
			parts[i] = newDurs([]int{exactPerCell, exactPerTask}[rng.IntN(2)])
		}
		for range rng.IntN(3000) {
			// Values around a centre that differs per round, and now and
			// then far off, so windows grow on both sides.
			v := int64(float64(1000+rng.IntN(1e6)) * (1 + rng.NormFloat64()/4))
			if rng.IntN(50) == 0 {
				v = rng.Int64N(1 << 33)
			}
			want[bucketOf(uint64(clampMs(v)))]++
			parts[rng.IntN(len(parts))].add(v)
		}
		all := newDurs(exactPerCell)
		for _, i := range rng.Perm(len(parts)) {
			all.merge(&parts[i])
		}
		var got [numBuckets]uint32
		if all.h == nil {
			for _, v := range all.exact {
				got[bucketOf(uint64(v))]++
			}
		} else {
			copy(got[all.h.lo:], all.h.c)
			if all.h.lo < 0 || all.h.lo+len(all.h.c) > numBuckets {
				t.Fatalf("round %d: window [%d, %d)", round, all.h.lo, all.h.lo+len(all.h.c))
			}
		}
		if !slices.Equal(got[:], want[:]) {
			t.Fatalf("round %d: the buckets differ", round)
		}
	}
}

// TestWriteJSONStreamed: WriteJSON, a task at a time, writes what
// json.Encoder writes of the whole Report: with no task, one, many, and
// names that are escaped.
func TestWriteJSONStreamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), recorder.HistoryName)
	appendFile(t, path, randomLines(t, rand.New(rand.NewPCG(27, 28)), 500, day0, time.Hour))
	full := compute(t, path, Options{})
	odd := *full
	odd.Tasks = slices.Clone(full.Tasks)
	odd.Tasks[0].TaskID = "<b>&\u2028é\"\\"
	reports := []*Report{full, &odd, compute(t, path, Options{Filter: Filter{Tasks: []string{"t1"}}}),
		compute(t, path, Options{Filter: Filter{Tasks: []string{"none"}}}), {}}
	for i, r := range reports {
		var got, want bytes.Buffer
		if err := WriteJSON(&got, r); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("report %d (%d tasks):\n%s\nwant\n%s", i, len(r.Tasks), got.String(), want.String())
		}
	}
}
