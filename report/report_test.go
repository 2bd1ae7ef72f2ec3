package report_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/report"
	"github.com/ccq-dev/ccq/stats"
)

func render(t testing.TB, opt report.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Generate(&b, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestEscaping: user data comes out as text, in the HTML source itself
// (the browser test checks what a browser makes of it).
func TestEscaping(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	writeHistory(t, hist, fixture())
	page := render(t, report.Options{History: hist, Now: fixtureEnd, PageDir: dir, WorkDir: dir})
	for _, bad := range []string{evilTask, evilDetail, "<script>alert", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q unescaped", bad)
		}
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d <script elements, want the page's own only", n)
	}
	if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("the hostile task name is not shown escaped")
	}
}

// TestEmpty: a page that says no runs were recorded, and where it looked.
func TestEmpty(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	page := render(t, report.Options{History: hist, Now: fixtureEnd, Elsewhere: []string{"/home/me/logs/scheduler"}})
	for _, want := range []string{"No runs were recorded yet", hist, "ccq report --logs-dir /home/me/logs/scheduler"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
	if strings.Contains(page, "<svg") {
		t.Error("empty page draws charts")
	}
}

// TestNoMatch: runs, none passing the filter.
func TestNoMatch(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	writeHistory(t, hist, fixture())
	page := render(t, report.Options{History: hist, Now: fixtureEnd, Stats: stats.Options{Filter: stats.Filter{Tasks: []string{"nope*"}}}})
	if !strings.Contains(page, "No runs match the filters") || !strings.Contains(page, "task nope*") {
		t.Error("no-match page does not say so")
	}
}

// TestInProgress: runs in progress are counted and listed, filtered.
func TestInProgress(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	writeHistory(t, hist, fixture())
	now := fixtureEnd.Add(20 * time.Hour)
	running := []*recorder.Run{
		{ID: "r-live", Task: "nightly", Start: now.Add(-90 * time.Second)},
		{ID: "r-other", Task: "other", Start: now.Add(-time.Hour)},
	}
	p, err := report.Build(report.Options{History: hist, Now: now, InProgress: running,
		Stats: stats.Options{Filter: stats.Filter{Tasks: []string{"nightly"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.InProgress) != 1 || p.InProgress[0].RunID != "r-live" || p.InProgress[0].Elapsed != "1m30s" {
		t.Errorf("in progress: %+v", p.InProgress)
	}
}

// TestRetries: a scheduled run is a series of attempts; its rate counts
// series, the stats rate counts lines.
func TestRetries(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	writeHistory(t, hist, fixture())
	p, err := report.Build(report.Options{History: hist, Now: fixtureEnd})
	if err != nil {
		t.Fatal(err)
	}
	f := p.Overall.Figures
	if !p.Retries || f.Runs != "37" || f.Series != "36" || f.Retries != "1" || f.Rate != "89.19%" || f.SeriesRate != "91.67%" {
		t.Errorf("retries %v, figures %+v", p.Retries, f)
	}
	// Without retries the per-run rate is the only one.
	es := fixture()
	for i := range es {
		es[i].Extra = nil
	}
	writeHistory(t, hist, es)
	if p, err = report.Build(report.Options{History: hist, Now: fixtureEnd}); err != nil || p.Retries {
		t.Errorf("no retries in the history, yet Retries is %v (%v)", p.Retries, err)
	}
}

// TestLogLinks: a session log's link is relative to the page, wherever
// the log was recorded from.
func TestLogLinks(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "proj", "logs", "scheduler")
	os.MkdirAll(filepath.Join(logs, "2026-11-25"), 0o700)
	os.WriteFile(filepath.Join(logs, "2026-11-25", "a b#1.md"), nil, 0o600)
	hist := filepath.Join(logs, "history.jsonl")
	e := recorder.Entry{TaskID: "t", ErrorType: recorder.ErrExit, RunID: "r1",
		LogFile: "logs/scheduler/2026-11-25/a b#1.md", Timestamp: "2026-11-25T10:00:00.000Z"}
	writeHistory(t, hist, []recorder.Entry{e})
	for _, tt := range []struct{ name, work, page, want string }{
		{"beside the history, run from the project", filepath.Join(dir, "proj"), logs, "2026-11-25/a%20b%231.md"},
		{"run from elsewhere", dir, logs, "2026-11-25/a%20b%231.md"},
		{"page elsewhere", filepath.Join(dir, "proj"), filepath.Join(dir, "out"), "../proj/logs/scheduler/2026-11-25/a%20b%231.md"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := report.Build(report.Options{History: hist, Now: fixtureEnd, WorkDir: tt.work, PageDir: tt.page})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Latest) != 1 || p.Latest[0].LogHref != tt.want {
				t.Errorf("latest %+v, want link %q", p.Latest, tt.want)
			}
		})
	}
}

// TestPageSize: the page stays small however many tasks, periods, error
// types and long details the history holds: a worst case of 200 tasks
// each running every day of 28, with every outcome and long details.
func TestPageSize(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	var es []recorder.Entry
	types := []recorder.ErrorType{recorder.ErrExit, recorder.ErrTimeout, recorder.ErrException, "budget", "weird"}
	for task := range 200 {
		for d := range 28 {
			for k := range 6 {
				e := recorder.Entry{TaskID: fmt.Sprintf("task-%03d-%s", task, strings.Repeat("x", 100)), Success: k == 5,
					Tokens: 123456, DurationS: float64(10 + d + k), RunID: fmt.Sprintf("r%d-%d-%d", task, d, k)}
				if !e.Success {
					e.ErrorType = types[k]
					e.ErrorDetail = fmt.Sprintf("detail %d %s", d%5, strings.Repeat("é<>&\"", 60))
				}
				e.SetStart(fixtureEnd.AddDate(0, 0, d-27).Add(time.Duration(k) * time.Hour))
				e.LogFile = "logs/scheduler/" + e.Timestamp[:10] + "/" + e.RunID + ".md"
				es = append(es, e)
			}
		}
	}
	writeHistory(t, hist, es)
	page := render(t, report.Options{History: hist, Now: fixtureEnd, PageDir: dir, WorkDir: dir})
	t.Logf("%d lines, %d tasks: page %d bytes", len(es), 200, len(page))
	if f := os.Getenv("CCQ_REPORT_DUMP"); f != "" {
		os.WriteFile(f, []byte(page), 0o644)
	}
	if len(page) > 1_250_000 {
		t.Errorf("page is %d bytes, want under 1.25 MB", len(page))
	}
	if !strings.Contains(page, fmt.Sprintf("%d more tasks", 200-report.MaxTasks)) {
		t.Error("the tasks left out are not said")
	}
}

// BenchmarkReport1M: the page of a 1M-line history (50 tasks over a year,
// from stats/internal/genhistory). The history is generated once into
// $CCQ_BENCH_HISTORY or the temp directory.
func BenchmarkReport1M(b *testing.B) {
	hist := os.Getenv("CCQ_BENCH_HISTORY")
	if hist == "" {
		hist = filepath.Join(os.TempDir(), "ccq-report-bench-1m.jsonl")
	}
	if _, err := os.Stat(hist); err != nil {
		cmd := exec.Command("go", "run", "./stats/internal/genhistory", "-n", "1000000", "-o", hist,
			"-end", "2026-11-30T12:00:00Z")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("genhistory: %v\n%s", err, out)
		}
	}
	st, _ := os.Stat(hist)
	// The baseline, in the same run: what `ccq stats --json` computes.
	b.Run("stats.Compute", func(b *testing.B) {
		for b.Loop() {
			if _, err := stats.Compute(hist, stats.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("report", func(b *testing.B) {
		var size int
		for b.Loop() {
			var buf bytes.Buffer
			if err := report.Generate(&buf, report.Options{History: hist, Now: time.Now(), PageDir: os.TempDir()}); err != nil {
				b.Fatal(err)
			}
			size = buf.Len()
		}
		b.ReportMetric(float64(size), "page-bytes")
		b.ReportMetric(float64(st.Size())/1e6, "history-MB")
	})
}
