package stats

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// edgeTimeWhole is edgeTime as a plain reading of the whole window: the
// reference the buffered one must agree with.
func edgeTimeWhole(t *testing.T, data []byte, fromEnd bool) int64 {
	const span = 256 << 10
	off, end := 0, min(span, len(data))
	if fromEnd && len(data) > span {
		off, end = len(data)-span, len(data)
	}
	lines := bytes.Split(data[off:end], []byte("\n"))
	if off > 0 {
		lines = lines[1:] // may be cut
	}
	var best int64
	var rec Record
	for _, l := range lines {
		if ParseLine(trimCR(l), &rec) && rec.HasTS {
			best = edgeBest(best, rec.TSMs, fromEnd)
		}
	}
	return best
}

// TestEdgeTimeBuffered: reading the edges through a small buffer finds
// the timestamp a reading of the whole 256 KB does. Each file has one line
// with a timestamp among lines without, anywhere (across the buffer's
// edges, longer than the buffer, cut by the window, CRLF-ended, last and
// without its newline), so a line read wrong shows.
func TestEdgeTimeBuffered(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	dir := t.TempDir()
	found := 0
	for i := range 120 {
		size := []int{100, 20 << 10, 256 << 10, 300 << 10}[i%4] + rng.IntN(1000)
		at := day0.Add(time.Duration(rng.IntN(1000)) * time.Hour).Format("2006-01-02T15:04:05.000Z")
		target := rng.IntN(size)
		var b bytes.Buffer
		for b.Len() < size {
			line := `{"task_id":"t","success":true`
			if target >= 0 && b.Len() >= target {
				line += fmt.Sprintf(`,"timestamp":%q`, at)
				target = -1
			}
			if rng.IntN(10) == 0 {
				line += fmt.Sprintf(`,"error_detail":%q`, strings.Repeat("x", rng.IntN(40<<10)))
			} else {
				line += fmt.Sprintf(`,"error_detail":%q`, strings.Repeat("y", rng.IntN(300)))
			}
			line += "}"
			if rng.IntN(5) == 0 {
				line += "\r"
			}
			b.WriteString(line + "\n")
		}
		data := b.Bytes()
		if rng.IntN(2) == 0 {
			data = data[:len(data)-1] // the last line without its newline
		}
		path := filepath.Join(dir, fmt.Sprintf("h%d.jsonl", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, fromEnd := range []bool{false, true} {
			got, err := edgeTime(path, fromEnd)
			want := edgeTimeWhole(t, data, fromEnd)
			if err != nil || got != want {
				t.Errorf("file %d (%d bytes), fromEnd %v: %d, %v; want %d", i, len(data), fromEnd, got, err, want)
			}
			if want != 0 {
				found++
			}
		}
	}
	if found < 100 {
		t.Errorf("only %d readings found the timestamp: the test lost its point", found)
	}
}
