package stats

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCompute measures Compute on the file named by $CCQ_BENCH_HISTORY
// (make one with stats/internal/genhistory); it is skipped without it.
func BenchmarkCompute(b *testing.B) {
	path := os.Getenv("CCQ_BENCH_HISTORY")
	if path == "" {
		b.Skip("set CCQ_BENCH_HISTORY to a history file")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := Compute(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLine compares the fast path with the gjson fallback on a
// line as ccq writes it.
func BenchmarkParseLine(b *testing.B) {
	line := []byte(`{"task_id":"nightly-report","success":false,"error_type":"exit_error","tokens":138062,"duration_s":230.446,"log_file":"/home/u/p/logs/scheduler/2026-03-01/nightly-report-01jq8v2k3m4n5p6q.md","timestamp":"2026-03-01T19:07:39.727Z","run_id":"01jq8v2k3m4n5p6q","error_detail":"max_turns","cost_usd":0.1234,"recorded_by":"launcher"}`)
	b.Run("fast", func(b *testing.B) {
		var r Record
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			if !parseFast(line, &r) {
				b.Fatal("fast path refused")
			}
		}
	})
	b.Run("gjson", func(b *testing.B) {
		var r Record
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			if !parseSlow(line, &r) {
				b.Fatal("slow path refused")
			}
		}
	})
}

// BenchmarkComputeCached measures Compute on $CCQ_BENCH_HISTORY without a
// cache (the baseline), building the summary cache (cold), and through it
// when nothing was appended (warm: loading it and building the Report).
func BenchmarkComputeCached(b *testing.B) {
	path := os.Getenv("CCQ_BENCH_HISTORY")
	if path == "" {
		b.Skip("set CCQ_BENCH_HISTORY to a history file")
	}
	cache := filepath.Join(b.TempDir(), "stats.bin")
	if _, err := Compute(path, Options{Cache: cache}); err != nil { // builds it
		b.Fatal(err)
	}
	b.Run("nocache", func(b *testing.B) {
		for b.Loop() {
			if _, err := Compute(path, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			os.Remove(cache)
			if _, err := Compute(path, Options{Cache: cache}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			if _, err := Compute(path, Options{Cache: cache}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
