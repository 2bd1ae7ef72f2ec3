package report_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/report"
	"github.com/ccq-dev/ccq/stats"
)

// runsOn is one successful run of task at each time.
func runsOn(task string, at ...time.Time) []recorder.Entry {
	var es []recorder.Entry
	for i, t := range at {
		e := recorder.Entry{TaskID: task, Success: true, Tokens: 100, DurationS: 60, RunID: fmt.Sprintf("%s%d", task, i)}
		e.SetStart(t)
		es = append(es, e)
	}
	return es
}

// periodLabels are the x-axis labels of the runs chart, oldest first; with
// at most 7 periods every period is labelled.
func periodLabels(t *testing.T, p *report.Page) []string {
	t.Helper()
	if len(p.Overall.Charts) == 0 {
		t.Fatal("no charts")
	}
	var labels []string
	for _, tk := range p.Overall.Charts[0].XTicks {
		labels = append(labels, tk.Label)
	}
	slices.Reverse(labels) // drawn from the last period back
	return labels
}

// TestAxisStartsAtFirstRun: the charts begin with the period of the first
// run (or of an earlier missed slot), not weeks before it.
func TestAxisStartsAtFirstRun(t *testing.T) {
	day := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		runs   []time.Time
		missed []time.Time
		want   []string
	}{
		// 35 days: weekly periods, Monday to Monday.
		{"weeks", []time.Time{day(10, 6, 2), day(10, 20, 2), day(11, 10, 2)}, nil,
			[]string{"Oct 5", "Oct 12", "Oct 19", "Oct 26", "Nov 2", "Nov 9"}},
		{"days", []time.Time{day(11, 27, 2), day(11, 29, 2)}, nil, []string{"Nov 27", "Nov 28", "Nov 29"}},
		{"one day", []time.Time{day(11, 29, 2), day(11, 29, 3)}, nil, []string{"Nov 29"}},
		{"a missed slot first", []time.Time{day(11, 27, 2), day(11, 29, 2)}, []time.Time{day(11, 25, 2)},
			[]string{"Nov 25", "Nov 26", "Nov 27", "Nov 28", "Nov 29"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hist := filepath.Join(t.TempDir(), "history.jsonl")
			writeHistory(t, hist, runsOn("nightly", tt.runs...))
			opt := report.Options{History: hist, Now: tt.runs[len(tt.runs)-1].Add(time.Hour)}
			if tt.missed != nil {
				opt.Missed, opt.MissedAsOf = map[string][]time.Time{"nightly": tt.missed}, opt.Now
			}
			p, err := report.Build(opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := periodLabels(t, p); !slices.Equal(got, tt.want) {
				t.Errorf("periods %q, want %q", got, tt.want)
			}
			// Fewer periods than a week's worth are drawn as narrow as a
			// week's days, from the left: the axis ends after the last.
			c := p.Overall.Charts[0]
			if n := len(tt.want); n < 7 && c.Right >= 632 {
				t.Errorf("%d periods drawn across the whole chart (right %v)", n, c.Right)
			}
			var page strings.Builder
			if err := p.Write(&page); err != nil {
				t.Fatal(err)
			}
			if want := "from the first"; !strings.Contains(page.String(), want) {
				t.Errorf("page does not say the charts start %s period with runs", want)
			}
			if got := strings.Contains(page.String(), "with runs or missed slots"); got != (tt.missed != nil) {
				t.Errorf("page names missed slots as the start: %v, want %v", got, tt.missed != nil)
			}
			for _, b := range c.Bars {
				if b.X < c.Left || b.X+b.W > c.Right {
					t.Errorf("bar at %v+%v outside the axis %v–%v", b.X, b.W, c.Left, c.Right)
				}
			}
		})
	}
}

// TestVerdictWords: the trend shows in ccq stats' words, never as the
// JSON value.
func TestVerdictWords(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "history.jsonl")
	at := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)
	writeHistory(t, hist, runsOn("nightly", at))
	rep, err := stats.Compute(hist, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Tasks[0].Trend.Verdict; v != stats.VerdictTooFew {
		t.Fatalf("test is void: verdict %q", v)
	}
	p, err := report.Build(report.Options{History: hist, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	if p.Overall.Figures.Verdict != "too few runs" || p.Tasks[0].Figures.Verdict != "too few runs" {
		t.Errorf("verdicts %q and %q, want %q", p.Overall.Figures.Verdict, p.Tasks[0].Figures.Verdict, "too few runs")
	}
	var b strings.Builder
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), stats.VerdictTooFew) {
		t.Errorf("page shows %q", stats.VerdictTooFew)
	}
}
