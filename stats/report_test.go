package stats

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // a Sunday

// run is a compact way to write a history entry in tests.
type run struct {
	task    string
	ok      bool
	typ     recorder.ErrorType
	detail  string
	tokens  int64
	dur     float64
	at      time.Time
	cost    float64 // 0: unknown
	runID   string
	logFile string
	attempt int    // written as ccq launch --retries does; 0: not written
	retryOf string // written when not empty
	verify  bool   // client_success: the client succeeded, the checks failed
}

func (r run) entry() recorder.Entry {
	e := recorder.Entry{TaskID: r.task, Success: r.ok, ErrorType: r.typ, ErrorDetail: r.detail, Tokens: r.tokens,
		DurationS: r.dur, RunID: r.runID, LogFile: r.logFile}
	e.SetStart(r.at)
	if r.attempt != 0 || r.retryOf != "" || r.verify {
		e.Extra = map[string]any{}
		if r.verify {
			e.Extra[recorder.ExtraClientSuccess] = true
		}
		if r.attempt != 0 {
			e.Extra["attempt"] = r.attempt
		}
		if r.retryOf != "" {
			e.Extra["retry_of"] = r.retryOf
		}
	}
	if r.cost != 0 {
		c := r.cost
		e.CostUSD = &c
	}
	return e
}

// history writes lines (a run or a raw string each) to a history file.
func history(t *testing.T, lines ...any) string {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		switch v := l.(type) {
		case run:
			b.Write(entryLine(t, v.entry()))
		case string:
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "history.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func compute(t *testing.T, path string, opt Options) *Report {
	t.Helper()
	r, err := Compute(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func f(v float64) *float64 { return &v }

func eqF(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestComputeEmptyAndAbsent(t *testing.T) {
	for name, path := range map[string]string{
		"absent": filepath.Join(t.TempDir(), "history.jsonl"),
		"empty":  history(t),
	} {
		t.Run(name, func(t *testing.T) {
			r := compute(t, path, Options{})
			if r.Lines != 0 || r.Skipped != 0 || r.Overall.Runs != 0 || len(r.Tasks) != 0 {
				t.Fatalf("report %s", show(r))
			}
			o := r.Overall
			if o.SuccessRate != nil || o.TokensPerSuccess != nil || o.Duration != nil || o.LastRun != nil || o.Trend.Verdict != VerdictNoTrend {
				t.Fatalf("overall %s", show(o))
			}
			// The JSON shape holds every key, even when empty.
			var buf bytes.Buffer
			if err := WriteJSON(&buf, r); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{`"tasks": []`, `"failures": []`, `"success_rate": null`, `"tokens_per_success": null`, `"duration_s": null`, `"periods": []`} {
				if !strings.Contains(buf.String(), k) {
					t.Errorf("JSON lacks %s:\n%s", k, buf.String())
				}
			}
		})
	}
}

func TestComputeSingleRun(t *testing.T) {
	at := day0.Add(10 * time.Hour)
	path := history(t, run{task: "a", ok: true, tokens: 1000, dur: 12.5, at: at, cost: 0.1})
	r := compute(t, path, Options{})
	if len(r.Tasks) != 1 {
		t.Fatalf("tasks %s", show(r.Tasks))
	}
	a := r.Tasks[0]
	want := Durations{Runs: 1, Mean: 12.5, P50: 12.5, P95: 12.5, Min: 12.5, Max: 12.5, Last: f(12.5)}
	if a.TaskID != "a" || a.Runs != 1 || a.Successes != 1 || !eqF(a.SuccessRate, f(1)) || a.Tokens != 1000 ||
		!eqF(a.TokensPerSuccess, f(1000)) || !eqF(a.CostUSD, f(0.1)) || a.RunsWithCost != 1 || len(a.Failures) != 0 ||
		show(a.Duration) != show(want) || *a.LastRun != "2026-03-01T10:00:00.000Z" || *a.FirstRun != *a.LastRun {
		t.Fatalf("task %s", show(a))
	}
	// The latest run anchors the trend: one period, days by default as the
	// runs span less than four weeks, and too few runs for a verdict.
	if r.Period != PeriodDay || r.PeriodCount != DayPeriods || r.FirstPeriod != "2026-02-02" {
		t.Errorf("period %s %d %s", r.Period, r.PeriodCount, r.FirstPeriod)
	}
	if len(a.Periods) != 1 || a.Periods[0].Start != "2026-03-01" || a.Periods[0].Runs != 1 || a.Trend.Verdict != VerdictTooFew {
		t.Errorf("trend %s %s", show(a.Periods), show(a.Trend))
	}
	if show(r.Overall.Duration) != show(want) || r.Overall.TaskID != OverallTaskName {
		t.Errorf("overall %s", show(r.Overall))
	}
}

func TestComputeAllFailed(t *testing.T) {
	path := history(t,
		run{task: "b", typ: recorder.ErrExit, detail: "rate_limit", tokens: 100, dur: 1, at: day0},
		run{task: "b", typ: recorder.ErrTimeout, detail: "timeout after 30s", tokens: 0, dur: 30, at: day0.Add(time.Hour)},
		run{task: "b", typ: recorder.ErrExit, detail: "rate_limit", tokens: 200, dur: 2, at: day0.Add(2 * time.Hour)},
		`{"task_id":"b","success":false,"tokens":0}`, // a foreign line: no type, no duration
	)
	b := compute(t, path, Options{}).Tasks[0]
	wantFails := []Failure{
		{ErrorType: "exit_error", Count: 2, TopDetails: []DetailCount{{"rate_limit", 2}}},
		{ErrorType: "timeout", Count: 1, TopDetails: []DetailCount{{"timeout after 30s", 1}}},
		{ErrorType: "unknown", Count: 1, TopDetails: []DetailCount{}},
	}
	if b.Runs != 4 || b.Successes != 0 || !eqF(b.SuccessRate, f(0)) || b.Tokens != 300 || b.TokensPerSuccess != nil ||
		b.CostUSD != nil || show(b.Failures) != show(wantFails) {
		t.Fatalf("task %s", show(b))
	}
	// Three durations: 1, 2, 30; mean 11; p50 rank 2; p95 rank 3; the last
	// run by time took 2 s.
	if d := b.Duration; d.Runs != 3 || d.Mean != 11 || d.P50 != 2 || d.P95 != 30 || *d.Last != 2 {
		t.Fatalf("durations %s", show(d))
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, compute(t, path, Options{}), Style{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "n/a") || !strings.Contains(buf.String(), "b: exit_error ×2 (rate_limit ×2)") {
		t.Errorf("table:\n%s", buf.String())
	}
}

func TestComputeMixed(t *testing.T) {
	at := func(h int) time.Time { return day0.Add(time.Duration(h) * time.Hour) }
	path := history(t,
		run{task: "m", ok: true, tokens: 100, dur: 10, at: at(1), cost: 0.5},
		run{task: "m", ok: true, tokens: 100, dur: 100, at: at(9)}, // latest by time, not last in the file
		run{task: "m", ok: true, tokens: 100, dur: 20, at: at(2), cost: 0.25},
		run{task: "m", typ: recorder.ErrException, detail: "signal: SIGTERM", tokens: 100, dur: 30, at: at(3)},
		run{task: "m", ok: true, tokens: 100, dur: 40, at: at(4)},
		run{task: "n", ok: true, tokens: 10, dur: 5, at: at(5)},
	)
	r := compute(t, path, Options{})
	m := r.Tasks[0]
	// 4 of 5 succeeded; 500 tokens / 4 successes; durations 10 20 30 40 100:
	// mean 40, p50 = rank 3 = 30, p95 = rank 5 = 100.
	if m.Runs != 5 || !eqF(m.SuccessRate, f(0.8)) || !eqF(m.TokensPerSuccess, f(125)) || !eqF(m.CostUSD, f(0.75)) || m.RunsWithCost != 2 {
		t.Fatalf("task %s", show(m))
	}
	if d := m.Duration; d.Mean != 40 || d.P50 != 30 || d.P95 != 100 || *d.Last != 100 || d.Min != 10 || d.Max != 100 {
		t.Fatalf("durations %s", show(d))
	}
	// All: 6 runs, 5 successes, 510 tokens; durations 5 10 20 30 40 100.
	o := r.Overall
	if o.Runs != 6 || o.Successes != 5 || o.Tokens != 510 || !eqF(o.TokensPerSuccess, f(102)) ||
		o.Duration.Mean != 34.167 || o.Duration.P50 != 20 || o.Duration.P95 != 100 || *o.Duration.Last != 100 {
		t.Fatalf("overall %s", show(o))
	}

	// Filters: a glob and a time window [02:00, 04:00).
	r = compute(t, path, Options{Filter: Filter{Tasks: []string{"m*"}, Since: at(2).UnixMilli(), Until: at(4).UnixMilli()}})
	if len(r.Tasks) != 1 || r.Overall.Runs != 2 || r.Overall.Successes != 1 || *r.Since != "2026-03-01T02:00:00.000Z" {
		t.Fatalf("filtered %s", show(r))
	}
	r = compute(t, path, Options{Filter: Filter{Tasks: []string{"n"}}})
	if len(r.Tasks) != 1 || r.Tasks[0].TaskID != "n" {
		t.Fatalf("glob n %s", show(r.Tasks))
	}
}

func TestComputeMalformed(t *testing.T) {
	path := history(t,
		run{task: "a", ok: true, tokens: 1, dur: 1, at: day0},
		`{"task_id":"a","success":tr`, // torn
		"",
		run{task: "a", ok: false, typ: recorder.ErrExit, tokens: 1, dur: 1, at: day0},
		`not json at all`,
	)
	r := compute(t, path, Options{})
	if r.Lines != 4 || r.Skipped != 2 || r.FirstSkippedLine != 2 || r.Overall.Runs != 2 || !eqF(r.Overall.SuccessRate, f(0.5)) {
		t.Fatalf("report %s", show(r))
	}
}

func TestVerdict(t *testing.T) {
	until := day0.AddDate(0, 0, 14) // periods: 28 days ending 2026-03-14
	mk := func(prev, recent []float64) string {
		var lines []any
		for i, d := range prev {
			lines = append(lines, run{task: "s", ok: true, dur: d, at: until.AddDate(0, 0, -14+i%7).Add(time.Hour)})
		}
		for i, d := range recent {
			lines = append(lines, run{task: "s", ok: true, dur: d, at: until.AddDate(0, 0, -7+i%7).Add(time.Hour)})
		}
		return history(t, lines...)
	}
	tests := []struct {
		name         string
		prev, recent []float64
		verdict      string
		change       float64
	}{
		// p50 11 → 21 (+90.9%); notches 1.58·2/√7 ≈ 1.19 each: slower.
		{"slower", []float64{10, 11, 12, 10, 11, 12, 10}, []float64{20, 21, 22, 20, 21, 22, 20}, VerdictSlower, 0.9091},
		{"faster", []float64{20, 21, 22, 20, 21, 22, 20}, []float64{10, 11, 12, 10, 11, 12, 10}, VerdictFaster, -0.4762},
		{"same", []float64{10, 11, 12, 10, 11, 12, 10}, []float64{10, 11, 12, 10, 11, 12, 10}, VerdictFlat, 0},
		// p50 11 → 13 (+18%) but IQR 12 makes each notch ≈ 7.2: noise.
		{"noisy", []float64{5, 8, 10, 11, 15, 20, 30}, []float64{6, 9, 12, 13, 16, 21, 31}, VerdictFlat, 0.1818},
		// p50 100 → 105 (+5%) with no spread at all: real but too small.
		{"small", []float64{100, 100, 100, 100, 100}, []float64{105, 105, 105, 105, 105}, VerdictFlat, 0.05},
		{"too few", []float64{10, 11, 12, 10, 11}, []float64{20, 21, 22, 20}, VerdictTooFew, 0.8182},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := compute(t, mk(tt.prev, tt.recent), Options{Period: PeriodDay, Filter: Filter{Until: until.UnixMilli()}})
			tr := r.Tasks[0].Trend
			if tr.Verdict != tt.verdict || tr.Change == nil || *tr.Change != tt.change ||
				tr.PreviousRuns != int64(len(tt.prev)) || tr.RecentRuns != int64(len(tt.recent)) {
				t.Fatalf("trend %s", show(tr))
			}
			if days := min(len(tt.prev), 7) + min(len(tt.recent), 7); r.FirstPeriod != "2026-02-15" || len(r.Tasks[0].Periods) != days {
				t.Fatalf("periods from %s: %s", r.FirstPeriod, show(r.Tasks[0].Periods))
			}
		})
	}
}

func TestWeekPeriodsStartOnMonday(t *testing.T) {
	// 2026-03-01 is a Sunday: it belongs to the week of Monday 2026-02-23.
	path := history(t,
		run{task: "w", ok: true, dur: 1, at: day0.AddDate(0, -3, 0)},
		run{task: "w", ok: true, dur: 2, at: day0.Add(23 * time.Hour)},
		run{task: "w", ok: true, dur: 4, at: day0.Add(25 * time.Hour)},
	)
	r := compute(t, path, Options{})
	p := r.Tasks[0].Periods
	if r.Period != PeriodWeek || len(p) != 3 || p[1].Start != "2026-02-23" || p[2].Start != "2026-03-02" || p[2].Duration.P50 != 4 {
		t.Fatalf("%s %s", r.Period, show(p))
	}
	if s := Sparkline(r, r.Tasks[0]); len([]rune(s)) != WeekPeriods || !strings.HasSuffix(s, "▄█") {
		t.Errorf("sparkline %q", s)
	}
}

func TestCSV(t *testing.T) {
	path := history(t,
		run{task: "a", ok: true, tokens: 10, dur: 1, at: day0},
		run{task: "a", typ: recorder.ErrExit, detail: "max_turns", tokens: 30, dur: 3, at: day0.Add(time.Hour)},
	)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, compute(t, path, Options{})); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(CSVHeader, ",") + "\n" +
		"a,,2,1,0.5,40,40,,0,1,0,0,exit_error:max_turns=1,2,1,3,3,too_few_runs\n" +
		"a,2026-03-01,2,1,0.5,40,,,,,,,,2,1,3,,\n" +
		"*,,2,1,0.5,40,40,,0,1,0,0,exit_error:max_turns=1,2,1,3,3,too_few_runs\n" +
		"*,2026-03-01,2,1,0.5,40,,,,,,,,2,1,3,,\n"
	if buf.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestCheck(t *testing.T) {
	path := history(t,
		run{task: "good", ok: true, tokens: 100, dur: 10, at: day0},
		run{task: "bad", ok: true, tokens: 500, dur: 10, at: day0},
		run{task: "bad", typ: recorder.ErrTimeout, tokens: 500, dur: 120, at: day0},
		run{task: "never", typ: recorder.ErrExit, tokens: 50, dur: 1, at: day0},
	)
	r := compute(t, path, Options{})
	tests := []struct {
		th   Thresholds
		want []string
	}{
		{Thresholds{MinSuccessRate: 0.5}, []string{"task never: success rate 0 (0 of 1 run) below 0.5"}},
		{Thresholds{MaxDuration: 2 * time.Minute}, nil},
		{Thresholds{MaxDuration: time.Minute}, []string{"task bad: a run took 2m00s, longer than 1m0s"}},
		{Thresholds{MaxTokensPerSuccess: 500}, []string{"task bad: 1000 tokens per success, more than 500", "task never: 50 tokens and no successful run"}},
		{Thresholds{MinRuns: 5}, []string{"4 runs, expected at least 5"}},
	}
	for _, tt := range tests {
		if got := Check(r, tt.th); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Check(%+v) = %q, want %q", tt.th, got, tt.want)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in    string
		until bool
		want  time.Time
	}{
		{"7d", false, now.AddDate(0, 0, -7)},
		{"24h", false, now.Add(-24 * time.Hour)},
		{"2w", false, now.AddDate(0, 0, -14)},
		{"1h30m", false, now.Add(-90 * time.Minute)},
		{"2026-03-01", false, day0},
		{"2026-03-01", true, day0.AddDate(0, 0, 1)},
		{"2026-03-01T05:00:00+01:00", false, day0.Add(4 * time.Hour)},
	}
	for _, tt := range tests {
		got, err := ParseWhen(tt.in, now, tt.until)
		if err != nil || got != tt.want.UnixMilli() {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", tt.in, time.UnixMilli(got).UTC(), err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-3d", "2026-13-01", "Infd", "+Infw", "1e300d"} { // Infd was 1734
		if _, err := ParseWhen(bad, now, false); err == nil {
			t.Errorf("ParseWhen(%q) accepted", bad)
		}
	}
}

func TestTableColourKeepsAlignment(t *testing.T) {
	path := history(t,
		run{task: "a", ok: true, dur: 1, at: day0},
		run{task: "long-task-name", typ: recorder.ErrExit, dur: 100, at: day0},
	)
	r := compute(t, path, Options{})
	var plain, colour bytes.Buffer
	if err := WriteTable(&plain, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&colour, r, Style{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(colour.String(), "\x1b[31m0.0%\x1b[0m") {
		t.Fatalf("plain:\n%s\ncolour:\n%q", plain.String(), colour.String())
	}
	stripped := colour.String()
	for _, code := range []string{ansiReset, ansiBold, ansiRed, ansiGreen, ansiYellow} {
		stripped = strings.ReplaceAll(stripped, code, "")
	}
	if stripped != plain.String() {
		t.Errorf("colour changed the layout:\n%s\nvs\n%s", stripped, plain.String())
	}
}

// TestVerifyFailedPattern: a run whose client succeeded and whose checks
// failed counts as its own failure pattern, in the table, the JSON, the
// totals and through the summary cache alike.
func TestVerifyFailedPattern(t *testing.T) {
	at := func(h int) time.Time { return day0.Add(time.Duration(h) * time.Hour) }
	path := history(t,
		run{task: "nightly", ok: true, dur: 10, at: at(1)},
		run{task: "nightly", typ: recorder.ErrExit, detail: "verify: expect `committed`: the result does not match", verify: true, dur: 10, at: at(2)},
		run{task: "nightly", typ: recorder.ErrExit, detail: "API Error: 500", dur: 10, at: at(3)},
		run{task: "nightly", typ: recorder.ErrExit, detail: "verify: verify[1] `make test`: exit status 1", verify: true, dur: 10, at: at(4)},
		`{"task_id":"nightly","success":false,"error_type":"exit_error","tokens":0,"duration_s":1,"log_file":"","timestamp":"2026-03-01T05:00:00.000Z","client_success":"yes"}`,
	)
	for _, cached := range []bool{false, true, true} { // the second cached pass reads the cache written by the first
		opt := Options{}
		if cached {
			opt.Cache = CachePath(path)
		}
		r := compute(t, path, opt)
		fs := r.Tasks[0].Failures // equal counts: the pattern sorts last
		if len(fs) != 2 || fs[1].ErrorType != "exit_error" || fs[1].Pattern != PatternVerifyFailed || fs[1].Count != 2 ||
			fs[0].Pattern != "" || fs[0].Count != 2 || len(fs[1].TopDetails) != 2 || len(fs[0].TopDetails) != 1 {
			t.Fatalf("cached %v: failures %s", cached, show(fs))
		}
		var table, js bytes.Buffer
		if err := WriteTable(&table, r, Style{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(table.String(), "nightly: verify failed (client succeeded) ×2 (verify: ") ||
			!strings.Contains(table.String(), "nightly: exit_error ×2 (") {
			t.Errorf("table:\n%s", table.String())
		}
		if err := WriteJSON(&js, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(js.String(), `"error_type": "exit_error",`+"\n"+`          "pattern": "verify_failed",`+"\n"+`          "count": 2`) {
			t.Errorf("json:\n%s", js.String())
		}
	}
	tr := NewTracker(path, "")
	if err := tr.Update(); err != nil {
		t.Fatal(err)
	}
	if a := tr.Totals().Tasks[0]; a.Failures["exit_error"] != 4 || a.VerifyFailed != 2 {
		t.Errorf("totals %+v", a)
	}
}
