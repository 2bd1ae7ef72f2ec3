package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ccq-dev/ccq/metrics"
	"github.com/ccq-dev/ccq/recorder"
	htmlreport "github.com/ccq-dev/ccq/report"
	"github.com/ccq-dev/ccq/sinks/otlp"
	"github.com/ccq-dev/ccq/stats"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
)

// outcomeSeeds are history lines every output must read alike: each
// category, unknown and missing error types, a success that names an
// error type, and hostile text (invalid UTF-8, escape sequences, C1
// controls, escaped controls, a lone surrogate, keys written twice).
var outcomeSeeds = []struct {
	line string
	want recorder.Category // "" for a line the history's readers skip
}{
	{`{"task_id":"a","success":true,"error_type":null,"tokens":5,"duration_s":1,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategorySuccess},
	{`{"task_id":"a","success":false,"error_type":"timeout","tokens":5,"duration_s":1,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryTimeout},
	{`{"task_id":"a","success":false,"error_type":"exit_error","tokens":5,"duration_s":1,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryExitError},
	{`{"task_id":"a","success":false,"error_type":"exception","tokens":5,"duration_s":1,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryException},
	{`{"task_id":"a","success":false,"error_type":"budget_blown","tokens":5,"duration_s":1,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"a","success":false,"error_type":null,"tokens":5,"duration_s":1,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"a","success":false,"timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"a","success":false,"error_type":"other","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"a","success":false,"error_type":"success","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"a","success":false,"error_type":"Timeout","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"a","success":true,"error_type":"timeout","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategorySuccess},
	{`{"task_id":"a","success":false,"error_type":"time\u006fut","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryTimeout},
	{"{\"task_id\":\"bad\xff\xfename\",\"success\":false,\"error_type\":\"exit_error\",\"tokens\":1,\"duration_s\":2,\"log_file\":\"l\",\"timestamp\":\"2026-03-01T10:00:00.000Z\"}", recorder.CategoryExitError},
	{"{\"task_id\":\"a\",\"success\":false,\"error_type\":\"exit\xff_error\",\"error_detail\":\"x\xc3\",\"timestamp\":\"2026-03-01T10:00:00.000Z\"}", recorder.CategoryOther},
	{"{\"task_id\":\"\x1b[2J\x1b]0;owned\x07red\",\"success\":false,\"error_type\":\"\x1b[31mexception\",\"timestamp\":\"2026-03-01T10:00:00.000Z\"}", ""}, // raw controls: not JSON
	{"{\"task_id\":\"\u009b2J\x7fdel\",\"success\":false,\"error_type\":\"\u009b31mexception\",\"error_detail\":\"\u009b1A\",\"timestamp\":\"2026-03-01T10:00:00.000Z\"}", recorder.CategoryOther},
	{`{"task_id":"\u001b[31mred\u0007","success":false,"error_type":"timeout","error_detail":"\u001b[2J\u0000","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryTimeout},
	{`{"task_id":"\ud800x","success":true,"timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategorySuccess},
	{`{"task_id":"a","success":false,"error_type":"timeout","success":true,"error_type":"exception","timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryTimeout},
	{`{"task_id":"a","success":false,"error_type":5,"timestamp":"2026-03-01T10:00:00.000Z"}`, recorder.CategoryOther},
	{`{"task_id":"","success":false,"error_type":"exception"}`, recorder.CategoryException},
	{`{"task_id":"a","success":"false","error_type":"timeout"}`, ""},
	{`{"task_id":"a","error_type":"timeout"}`, ""},
	{"{\"task_id\":\"a\xff\",\"success\":tru", ""},
	{`not json`, ""},
}

// FuzzOutcomeEverywhere feeds one history line to every output ccq has —
// stats (table and CSV), runs, metrics, the report and the OTLP record
// builder — and holds them to one answer: none panics, every one that reads
// the line counts it in the same category, names its task alike, and
// nothing reaches a terminal table raw. The seeds run in every go test.
func FuzzOutcomeEverywhere(f *testing.F) {
	for _, s := range outcomeSeeds {
		f.Add([]byte(s.line))
	}
	want := map[string]recorder.Category{}
	for _, s := range outcomeSeeds {
		want[s.line] = s.want
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.ContainsAny(line, "\r\n") || len(bytes.TrimSpace(line)) == 0 {
			t.Skip("one line only")
		}
		got := outcomesOf(t, line)
		if w, ok := want[string(line)]; ok && got.stats != w {
			t.Errorf("stats counts %s as %q, want %q", line, got.stats, w)
		}
		for name, c := range map[string]recorder.Category{"runs": got.runs, "metrics": got.metrics, "report": got.report} {
			if c != got.stats {
				t.Errorf("%s counts %q as %q, stats as %q", name, line, c, got.stats)
			}
		}
		if got.otlp != "" && got.stats != "" && got.otlp != got.stats {
			t.Errorf("OTLP counts %q as %q, stats as %q", line, got.otlp, got.stats)
		}
		if got.stats != "" && got.metricsTask != got.statsTask {
			t.Errorf("metrics names the task %q, stats %q", got.metricsTask, got.statsTask)
		}
		// (An empty task_id is "unnamed" to the readers, "" to OTLP.)
		if got.otlp != "" && got.stats != "" && got.otlpTask != "" && got.otlpTask != got.statsTask {
			t.Errorf("OTLP names the task %q, stats %q", got.otlpTask, got.statsTask)
		}
	})
}

// outcomes is the category each output gives a line ("" where it skips
// the line) and the task name it uses.
type outcomes struct {
	stats, runs, metrics, report, otlp recorder.Category
	statsTask, metricsTask, otlpTask   string
}

func outcomesOf(t *testing.T, line []byte) outcomes {
	t.Helper()
	var o outcomes
	dir := t.TempDir()
	hist := filepath.Join(dir, "h.jsonl")
	if err := os.WriteFile(hist, append(append([]byte{}, line...), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	var rec stats.Record
	accepted := stats.ParseLine(line, &rec)
	now := time.Now()
	if accepted && rec.HasTS {
		now = time.UnixMilli(rec.TSMs).Add(time.Hour)
	}

	// ccq stats: the table on a terminal, the CSV's counts.
	var out, errb bytes.Buffer
	if code := run([]string{"stats", "--history", hist}, nil, &out, &errb, []string{"HOME=/no-home"}); code != 0 {
		t.Fatalf("ccq stats exit %d: %s", code, errb.String())
	}
	assertPrintable(t, "ccq stats", out.String())
	rep, err := stats.Compute(hist, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var csvb bytes.Buffer
	if err := stats.WriteCSV(&csvb, rep); err != nil {
		t.Fatal(err)
	}
	o.stats, o.statsTask = csvCategory(t, csvb.Bytes())
	if (o.stats != "") != accepted {
		t.Fatalf("stats.ParseLine accepted=%v, but the report counts %q", accepted, o.stats)
	}

	// ccq runs: the table, and the category it colours by.
	out.Reset()
	if code := run([]string{"runs", "--history", hist}, nil, &out, &errb, []string{"HOME=/no-home"}); code != 0 {
		t.Fatalf("ccq runs exit %d: %s", code, errb.String())
	}
	assertPrintable(t, "ccq runs", out.String())
	lines, _, err := stats.Latest(hist, stats.Filter{}, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) == 1 {
		o.runs = viewRun(lines[0]).category
	}

	// ccq metrics: the exposition text.
	o.metrics, o.metricsTask = metricsCategory(t, hist)

	// ccq report: the period row the run counts in.
	page, err := htmlreport.Build(htmlreport.Options{History: hist, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := page.Write(&bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if accepted && !rec.HasTS {
		o.report = o.stats // no period to count it in: the report charts runs by time
	} else {
		o.report = reportCategory(page)
	}

	// The OTLP record builder.
	if r, _, err := otlp.LogRecord(line, now); err == nil {
		o.otlp, o.otlpTask = otlpCategory(r)
		if !utf8.ValidString(r.Body().AsString()) {
			t.Errorf("OTLP body is not valid UTF-8: %q", r.Body().AsString())
		}
	}
	return o
}

var c0 = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f]")

// assertPrintable: nothing from the history drives the terminal.
func assertPrintable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) || c0.MatchString(s) || strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 && r < 0xa0 }) {
		t.Errorf("%s printed control characters or invalid UTF-8:\n%q", what, s)
	}
}

// csvCategory reads the one run's category off the CSV totals row of its
// task.
func csvCategory(t *testing.T, b []byte) (recorder.Category, string) {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		if r[col["period"]] != "" || r[col["task_id"]] == "*" || r[col["runs"]] != "1" {
			continue
		}
		for name, c := range map[string]recorder.Category{
			"successes": recorder.CategorySuccess, "timeouts": recorder.CategoryTimeout,
			"exit_errors": recorder.CategoryExitError, "exceptions": recorder.CategoryException,
			"other_errors": recorder.CategoryOther,
		} {
			if r[col[name]] == "1" {
				return c, r[col["task_id"]]
			}
		}
		t.Fatalf("a run in no category: %v", r)
	}
	return "", ""
}

var runsTotal = regexp.MustCompile(`(?m)^ccq_runs_total\{outcome="([^"]*)",task="((?:[^"\\]|\\.)*)"\} 1$`)

// metricsCategory reads the one run's outcome off what ccq metrics prints.
func metricsCategory(t *testing.T, hist string) (recorder.Category, string) {
	src := metrics.NewSource(hist, "", "")
	if err := src.Refresh(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := metrics.Write(&b, metrics.NewRegistry(src)); err != nil {
		t.Fatalf("metrics: %v", err)
	}
	text := b.String()
	m := runsTotal.FindAllStringSubmatch(text, -1)
	if len(m) > 1 {
		t.Fatalf("one line counted twice:\n%s", text)
	}
	if len(m) == 0 {
		return "", ""
	}
	task := strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n").Replace(m[0][2])
	return recorder.Category(m[0][1]), task
}

func reportCategory(p *htmlreport.Page) recorder.Category {
	for _, r := range p.Overall.Rows {
		for _, c := range []struct {
			n string
			c recorder.Category
		}{{r.Success, recorder.CategorySuccess}, {r.Timeout, recorder.CategoryTimeout}, {r.Exit, recorder.CategoryExitError},
			{r.Exception, recorder.CategoryException}, {r.Other, recorder.CategoryOther}} {
			if c.n == "1" {
				return c.c
			}
		}
	}
	return ""
}

func otlpCategory(r log.Record) (cat recorder.Category, task string) {
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		switch kv.Key {
		case "ccq.outcome":
			cat = recorder.Category(kv.Value.AsString())
		case "cicd.pipeline.name":
			task = kv.Value.AsString()
		}
		return true
	})
	return cat, task
}
