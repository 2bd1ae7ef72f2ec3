package digest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func histLine(task string, i int, success bool, detail string, extra string) string {
	et := "null"
	if !success {
		et = `"exit_error"`
	}
	l := fmt.Sprintf(`{"task_id":%q,"success":%v,"error_type":%s,"tokens":%d,"duration_s":%d.5,"log_file":"/l/%d.md","timestamp":"2026-12-%02dT02:00:00.000Z","run_id":"r%d"`,
		task, success, et, 120000+i, 200+i, i, 1+i%28, i)
	if detail != "" {
		l += fmt.Sprintf(`,"error_detail":%q`, detail)
	}
	return l + extra + "}\n"
}

func writeHistory(t testing.TB, lines ...string) string {
	p := filepath.Join(t.TempDir(), "history.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFailingStreak(t *testing.T) {
	p := writeHistory(t,
		histLine("nightly", 1, true, "", ""),
		histLine("other", 2, false, "other task's secret failure", ""),
		histLine("nightly", 3, false, "verify: expect `committed`: the result does not match: I could not find the file.", `,"client_success":true,"result_tail":"I could not find the file."`),
		histLine("nightly", 4, false, "max_turns", `,"result_tail":"Still reading src/ with token=abcdef123456"`),
		`{"task_id":"nightly","success":tr`+"\n", // torn
		histLine("nightly", 5, false, "exit code 1: API Error: 529 overloaded", ""),
	)
	runs, err := ReadFile(p, "nightly", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].RunID != "r5" || runs[2].RunID != "r3" {
		t.Fatalf("runs %+v", runs)
	}
	d := Make("nightly", runs, DefaultBudget)
	for _, want := range []string{
		"Last 3 runs of nightly (newest first): 3 failed, 0 succeeded.",
		"- 2026-12-06 02:00Z failed: exit_error: exit code 1: API Error: 529 overloaded (3m26s, 120k tokens)",
		`failed: exit_error: max_turns (3m25s, 120k tokens); its answer ended: "Still reading src/ with token=REDACTED"`,
		"claude succeeded but verification failed: verify: expect `committed`",
	} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("digest lacks %q:\n%s", want, d.Text)
		}
	}
	if strings.Contains(d.Text, "other task") || strings.Contains(d.Text, "abcdef123456") {
		t.Errorf("digest leaks:\n%s", d.Text)
	}
	if d.Tokens != (len(d.Text)+3)/4 || d.Tokens > DefaultBudget {
		t.Errorf("tokens %d for %d bytes", d.Tokens, len(d.Text))
	}
}

func TestCleanStreak(t *testing.T) {
	p := writeHistory(t, histLine("nightly", 1, false, "max_turns", ""), histLine("nightly", 2, true, "", ""), histLine("nightly", 3, true, "", ""))
	runs, _ := ReadFile(p, "nightly", 2)
	d := Make("nightly", runs, 0)
	if d.Text != "Last 2 runs of nightly: all succeeded (median 3m24s, 120k tokens)." {
		t.Errorf("%q", d.Text)
	}
	if d := Make("nightly", nil, 0); d.Text != "" {
		t.Errorf("no runs: %q", d.Text)
	}
	if runs, err := ReadFile(filepath.Join(t.TempDir(), "none"), "x", 3); err != nil || runs != nil {
		t.Errorf("%v %v", runs, err)
	}
}

// TestBudget: a long failing streak with long details stays in the budget
// and says how many runs it left out.
func TestBudget(t *testing.T) {
	var runs []Run
	for i := 0; i < 50; i++ {
		runs = append(runs, Run{Timestamp: "2026-12-01T02:00:00.000Z", ErrorType: "exit_error", Detail: strings.Repeat("long détail ", 40), ResultTail: strings.Repeat("é", 300), Tokens: 5})
	}
	for _, budget := range []int{100, 200, 800} {
		d := Make("t", runs, budget)
		if len(d.Text) > budget*BytesPerToken || d.Tokens > budget || d.Omitted == 0 || !strings.Contains(d.Text, "older runs left out") {
			t.Errorf("budget %d: %d bytes, %d omitted:\n%s", budget, len(d.Text), d.Omitted, d.Text)
		}
		if !strings.HasPrefix(d.Text, "Last 50 runs of t") {
			t.Errorf("head %q", d.Text[:40])
		}
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"key sk-ant-api03-AbCdEf123456789 leaked":   "key REDACTED leaked",
		"Authorization: Bearer eyJhbGciOi.abc.def":  "Authorization: Bearer REDACTED",
		"push to https://user:pw@git.example.com/x": "push to https://REDACTED@git.example.com/REDACTED",
		"ghp_0123456789abcdefghij0123 used":         "REDACTED used",
		"password=hunter2hunter":                    "password=REDACTED",
		"nothing secret here":                       "nothing secret here",
	} {
		if got := Scrub(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

type countingReader struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestMillionLines: the digest of a 1 M-line history reads its tail only.
func TestMillionLines(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 M lines")
	}
	p := filepath.Join(t.TempDir(), "history.jsonl")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < 1_000_000; i++ {
		task := []string{"alpha", "beta", "gamma", "nightly"}[i%4]
		w.WriteString(histLine(task, i, i%7 != 0, "", ""))
	}
	w.Flush()
	f.Close()
	rf, _ := os.Open(p)
	defer rf.Close()
	st, _ := rf.Stat()
	cr := &countingReader{r: rf}
	runs, err := Read(cr, st.Size(), "nightly", 10)
	if err != nil || len(runs) != 10 || runs[0].RunID != "r999999" || runs[9].RunID != "r999963" {
		t.Fatalf("%d runs, %v: %+v", len(runs), err, runs)
	}
	if got := cr.n.Load(); got > 2*blockSize {
		t.Errorf("read %d bytes of %d for the last 10 runs", got, st.Size())
	}
	// A task that never ran scans at most MaxScan.
	cr.n.Store(0)
	if runs, _ := Read(cr, st.Size(), "never", 10); len(runs) != 0 || cr.n.Load() > MaxScan {
		t.Errorf("read %d bytes for a task without runs", cr.n.Load())
	}
	t.Logf("history %d MB; last 10 runs read from the last %d KB", st.Size()>>20, 2*blockSize>>10)
}

// TestBlockBoundaries: lines cut by block boundaries, at every offset.
func TestBlockBoundaries(t *testing.T) {
	var lines []string
	for i := 0; i < 3000; i++ {
		lines = append(lines, histLine("t", i, true, strings.Repeat("x", i%97), ""))
	}
	p := writeHistory(t, lines...)
	runs, err := ReadFile(p, "t", 3000)
	if err != nil || len(runs) != 3000 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	for i, r := range runs {
		if r.RunID != fmt.Sprintf("r%d", 2999-i) {
			t.Fatalf("run %d is %s", i, r.RunID)
		}
	}
}
