package stats

import (
	"os"
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
