package report_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/report"
	"github.com/ccq-dev/ccq/stats"
)

// Hostile user data: a task name and an error detail that would run
// script if the page built HTML or JS from strings.
const (
	evilTask   = `<img src=x onerror=alert(1)>`
	evilDetail = `</script><script>alert(2)</script>`
)

// fixtureEnd is the start of the fixture's last day.
var fixtureEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// fixture is a small history over 10 days: "nightly" runs three times a
// day with a retried failure on day 5, "weekly-deps" every third day,
// and the hostile task on two days, failing once with the hostile detail.
func fixture() []recorder.Entry {
	var es []recorder.Entry
	add := func(e recorder.Entry, day int, hour int) {
		e.SetStart(fixtureEnd.AddDate(0, 0, day-9).Add(time.Duration(hour) * time.Hour))
		e.LogFile = filepath.Join("logs", "scheduler", e.Timestamp[:10], e.TaskID+"-"+e.RunID+".md")
		es = append(es, e)
	}
	cost := func(v float64) *float64 { return &v }
	for d := range 10 {
		for h := range 3 {
			e := recorder.Entry{TaskID: "nightly", Success: true, Tokens: int64(10000 + 1000*d + 100*h),
				DurationS: float64(60 + 5*d + h), RunID: fmt.Sprintf("n%d%d", d, h), CostUSD: cost(0.25 + 0.01*float64(h))}
			if d == 3 && h == 1 {
				e.Success, e.ErrorType, e.ErrorDetail = false, recorder.ErrTimeout, "timeout after 30m0s"
			}
			if d == 5 && h == 2 {
				e.Success, e.ErrorType, e.ErrorDetail = false, recorder.ErrExit, "server_error"
				add(e, d, 8*h)
				e = recorder.Entry{TaskID: "nightly", Success: true, Tokens: 12345, DurationS: 70, RunID: "n52b",
					Extra: map[string]any{"attempt": 2, "retry_of": "n52"}}
			}
			add(e, d, 8*h+1)
		}
		if d%3 == 0 {
			e := recorder.Entry{TaskID: "weekly-deps", Success: d != 6, Tokens: 50000, DurationS: 300 + float64(d), RunID: fmt.Sprintf("w%d", d)}
			if !e.Success {
				e.ErrorType, e.ErrorDetail = recorder.ErrExit, "exit code 1"
			}
			add(e, d, 4)
		}
	}
	add(recorder.Entry{TaskID: evilTask, Success: true, Tokens: 7, DurationS: 1.5, RunID: "x1"}, 7, 2)
	add(recorder.Entry{TaskID: evilTask, Success: false, ErrorType: recorder.ErrException, ErrorDetail: evilDetail,
		DurationS: 2.5, RunID: "x2"}, 8, 2)
	return es
}

func writeHistory(t testing.TB, path string, es []recorder.Entry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, e := range es {
		b, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// demoHistory is 30 days of a handful of plausible tasks, for the README's
// screenshot: hourly, nightly and weekly runs with a few failures, one
// task getting slower.
func demoHistory(end time.Time) []recorder.Entry {
	rng := rand.New(rand.NewPCG(7, 11))
	type task struct {
		name   string
		every  time.Duration
		dur    float64
		tokens int64
		fail   float64
	}
	tasks := []task{
		{"triage-issues", 4 * time.Hour, 95, 40000, 0.04},
		{"nightly-review", 24 * time.Hour, 420, 180000, 0.08},
		{"dependency-bump", 24 * time.Hour, 240, 90000, 0.15},
		{"docs-sync", 12 * time.Hour, 60, 25000, 0.02},
		{"flaky-test-hunt", 8 * time.Hour, 600, 260000, 0.2},
	}
	fails := []struct {
		typ    recorder.ErrorType
		detail string
	}{
		{recorder.ErrExit, "rate_limit"}, {recorder.ErrExit, "server_error"}, {recorder.ErrTimeout, "timeout after 30m0s"},
		{recorder.ErrExit, "max_turns"}, {recorder.ErrException, "unfinished: launcher killed"},
	}
	start := end.AddDate(0, 0, -30)
	var es []recorder.Entry
	n := 0
	for ti, tk := range tasks {
		for t := start.Add(time.Duration(ti) * 17 * time.Minute); t.Before(end); t = t.Add(tk.every) {
			progress := float64(t.Sub(start)) / float64(end.Sub(start))
			d := tk.dur * (0.8 + 0.4*rng.Float64())
			if tk.name == "flaky-test-hunt" {
				d *= 1 + 0.6*progress
			}
			cost := float64(tk.tokens) * (0.8 + 0.4*rng.Float64()) * 3e-6
			n++
			e := recorder.Entry{TaskID: tk.name, Success: true, DurationS: float64(int(d*1000)) / 1000,
				Tokens: int64(float64(tk.tokens) * (0.7 + 0.6*rng.Float64())), CostUSD: &cost, RunID: fmt.Sprintf("r%05d", n)}
			if rng.Float64() < tk.fail {
				f := fails[rng.IntN(len(fails))]
				e.Success, e.ErrorType, e.ErrorDetail = false, f.typ, f.detail
			}
			e.SetStart(t)
			e.LogFile = filepath.Join("logs", "scheduler", e.Timestamp[:10], e.TaskID+"-"+e.RunID+".md")
			es = append(es, e)
		}
	}
	return es
}

// writePage writes the report of the history at hist to page, with charts
// per period ("" lets stats choose).
func writePage(t testing.TB, hist, page string, now time.Time, period string) *report.Page {
	t.Helper()
	p, err := report.Build(report.Options{History: hist, Now: now, PageDir: filepath.Dir(page), WorkDir: filepath.Dir(hist),
		Stats: stats.Options{Period: period}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// computeStats is what `ccq stats --json` prints for the history.
func computeStats(t testing.TB, hist string) *stats.Report {
	t.Helper()
	rep, err := stats.Compute(hist, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
