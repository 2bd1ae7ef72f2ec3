package stats

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

// offSink records the offsets and tasks of the lines it sees.
type offSink struct {
	mu   *sync.Mutex
	seen *[]string
}

func (s offSink) Add(r *Record, line []byte, off int64) {
	s.mu.Lock()
	*s.seen = append(*s.seen, fmt.Sprintf("%d:%s", off, r.Task))
	s.mu.Unlock()
}

// reference scans the way a plain loop would: split on newlines, number
// every line, skip blank ones, parse the rest.
func reference(data []byte) (seen []string, c Counts) {
	off := 0
	for n := 1; off < len(data); n++ {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		line := trimCR(data[off : off+end])
		c.physical++
		if len(bytes.TrimSpace(line)) > 0 {
			c.Lines++
			var r Record
			if len(line) <= MaxLine && ParseLine(line, &r) {
				seen = append(seen, fmt.Sprintf("%d:%s", off, r.Task))
			} else {
				c.Skipped++
				if c.FirstSkipped == 0 {
					c.FirstSkipped = n
				}
			}
		}
		off += end + 1
	}
	c.Bytes = int64(len(data))
	return seen, c
}

func TestScanMatchesReference(t *testing.T) {
	oldChunk, oldSeg := chunkSize, segmentSize
	t.Cleanup(func() { chunkSize, segmentSize = oldChunk, oldSeg })
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []func(i int) string{
		func(i int) string {
			return fmt.Sprintf(`{"task_id":"t%d","success":true,"error_type":null,"tokens":%d,"duration_s":1.5,"log_file":"/x","timestamp":"2026-03-01T10:00:00.000Z"}`, i%7, i)
		},
		func(i int) string { return fmt.Sprintf(`{"success": false, "task_id": "s%d"}`, i%3) },
		func(int) string { return "" },
		func(int) string { return "   " },
		func(int) string { return `{"task_id":"torn","succ` },
		func(int) string { return "not json" },
		func(i int) string { return fmt.Sprintf(`{"task_id":"crlf%d","success":true}`+"\r", i%2) },
	}
	dir := t.TempDir()
	for trial := range 40 {
		var b strings.Builder
		n := rng.IntN(60)
		for i := range n {
			b.WriteString(kinds[rng.IntN(len(kinds))](i))
			if i < n-1 || rng.IntN(2) == 0 {
				b.WriteByte('\n')
			}
		}
		data := []byte(b.String())
		path := filepath.Join(dir, fmt.Sprintf("h%d.jsonl", trial))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		want, wantC := reference(data)
		for _, seg := range []int64{1, 7, 64, 1 << 20} {
			chunkSize, segmentSize = 1+rng.IntN(40), seg
			var mu sync.Mutex
			var seen []string
			_, c, err := Scan(path, 3, func() offSink { return offSink{&mu, &seen} })
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(seen)
			w := slices.Clone(want)
			slices.Sort(w)
			if !slices.Equal(seen, w) || c != wantC {
				t.Fatalf("trial %d seg %d chunk %d:\n got %v %+v\nwant %v %+v\ndata %q", trial, seg, chunkSize, seen, c, w, wantC, data)
			}
		}
	}
}

func TestScanLongLineSkipped(t *testing.T) {
	long := `{"task_id":"` + strings.Repeat("x", MaxLine+10) + `","success":true}`
	ok := `{"task_id":"a","success":true}`
	data := ok + "\n" + long + "\n" + ok + "\n"
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	_, c, err := Scan(path, 2, func() offSink { return offSink{&mu, &seen} })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || c.Skipped != 1 || c.FirstSkipped != 2 || c.Lines != 3 {
		t.Fatalf("seen %v counts %+v", seen, c)
	}
}

func TestScanAbsentFile(t *testing.T) {
	sinks, c, err := Scan(filepath.Join(t.TempDir(), "none.jsonl"), 0, func() offSink { return offSink{} })
	if err != nil || len(sinks) != 0 || c != (Counts{}) {
		t.Fatalf("got %v %+v %v", sinks, c, err)
	}
}

// TestScanAcceptsLongLines: the reader takes any line up to MaxLine (1 MiB,
// as recorder.ScanLines does), far above the longest line the writer
// makes: an entry whose every string is 2 MB long comes out a few KiB.
func TestScanAcceptsLongLines(t *testing.T) {
	oldChunk := chunkSize
	t.Cleanup(func() { chunkSize = oldChunk })
	huge := strings.Repeat("é\"\\\x01", 1<<19)
	cost := 0.5
	e := recorder.Entry{TaskID: huge, ErrorType: recorder.ErrorType("exit_error"), Tokens: 7, DurationS: 1,
		LogFile: huge, Timestamp: "2026-03-01T10:00:00.000Z", RunID: huge, SessionID: huge, ErrorDetail: huge,
		Model: huge, CostUSD: &cost}
	written := entryLine(t, e)
	if len(written) > 16<<10 {
		t.Errorf("the writer made a line of %d bytes, more than 16 KiB", len(written))
	}
	pad := `{"task_id":"a","success":true,"x":"`
	atMax := pad + strings.Repeat("y", MaxLine-len(pad)-2) + `"}`
	for _, chunk := range []int{1 << 20, 4096} {
		chunkSize = chunk
		var mu sync.Mutex
		var seen []string
		data := string(written) + "\n" + atMax + "\n" + atMax + "z\n"
		path := filepath.Join(t.TempDir(), "h.jsonl")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, c, err := Scan(path, 1, func() offSink { return offSink{&mu, &seen} })
		if err != nil {
			t.Fatal(err)
		}
		if c.Lines != 3 || c.Skipped != 1 || c.FirstSkipped != 3 {
			t.Errorf("chunk %d: counts %+v, want the 1 MiB line read and only the longer one skipped", chunk, c)
		}
	}
}
