package otelcoltest

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/sinks/otlp"
)

// historySums are the totals the metrics must reach: what `ccq stats`
// would add up from the same lines.
type historySums struct {
	runs, tokens      float64
	cost, durationSum float64
	byResult          map[string]float64
	// genAIInput and genAIOutput are the GenAI token counts of the runs
	// with a usage (withUsage of them).
	genAIInput, genAIOutput, withUsage float64
}

func sumsOf(lines [][]byte) historySums {
	s := historySums{byResult: map[string]float64{}}
	for _, l := range lines {
		e, err := otlp.ParseLine(l)
		if err != nil {
			panic(err)
		}
		s.runs++
		s.tokens += float64(e.Tokens)
		s.durationSum += e.DurationS
		if e.CostUSD != nil {
			s.cost += *e.CostUSD
		}
		s.byResult[otlp.Result(&e)]++
		if g := genAIOf(l); g.Usage != nil {
			s.withUsage++
			s.genAIInput += float64(g.inputTokens())
			s.genAIOutput += float64(g.Usage.Output)
		}
	}
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// checkCollector asserts that c received exactly the runs in lines: one
// log record per line with the line as its body, one span per run with the
// ids TRACEPARENT names, both with the GenAI attributes of the line, and
// metric points adding up to the history's sums (only when
// withSpansAndMetrics).
func checkCollector(t *testing.T, c *collector, lines [][]byte, withSpansAndMetrics bool) {
	t.Helper()
	n := len(lines)
	waitFor(t, strconv.Itoa(n)+" log records", func() bool { return len(c.logs(t)) >= n })
	if withSpansAndMetrics {
		waitFor(t, strconv.Itoa(n)+" spans", func() bool { return len(c.spans(t)) >= n })
		want := sumsOf(lines)
		waitFor(t, "metric points for every run", func() bool { return metricSums(c.metrics(t))["ccq.runs"] >= want.runs })
	}
	time.Sleep(300 * time.Millisecond) // anything beyond n would show now
	checkRecords(t, c.logs(t), lines)
	if !withSpansAndMetrics {
		return
	}
	checkSpans(t, c.spans(t), lines)
	checkMetrics(t, c.metrics(t), lines)
}

// checkRecords: one log record per line, its body the line.
func checkRecords(t *testing.T, recs []logRecord, lines [][]byte) {
	t.Helper()
	if len(recs) != len(lines) {
		t.Fatalf("%d log records, want %d", len(recs), len(lines))
	}
	for _, m := range matchBodies(t, recs, lines) {
		r, line := m.rec, m.line
		e, _ := otlp.ParseLine(m.raw)
		a := attrs(r.Attributes)
		if a["cicd.pipeline.name"] != e.TaskID || a["cicd.pipeline.run.id"] != e.RunID || a["cicd.pipeline.result"] != otlp.Result(&e) || a["log.record.uid"] != e.RunID {
			t.Errorf("attributes %v for %s", a, line)
		}
		checkGenAI(t, "log record of "+e.RunID, a, m.raw)
		if r.Resource["service.name"] != "ccq" || r.Resource["host.name"] == "" {
			t.Errorf("resource %v", r.Resource)
		}
		if tp := otlp.TraceParent(e.RunID); tp != "00-"+r.TraceID+"-"+r.SpanID+"-01" {
			t.Errorf("log record of %s in trace %s/%s, want %s", e.RunID, r.TraceID, r.SpanID, tp)
		}
	}
}

// checkSpans: one span per run, with the ids TRACEPARENT names, the
// line's times and outcome.
func checkSpans(t *testing.T, spans []span, lines [][]byte) {
	t.Helper()
	if len(spans) != len(lines) {
		t.Fatalf("%d spans, want %d", len(spans), len(lines))
	}
	byTP := map[string]span{}
	for _, s := range spans {
		byTP["00-"+s.TraceID+"-"+s.SpanID+"-01"] = s
	}
	for _, l := range lines {
		e, _ := otlp.ParseLine(l)
		s, ok := byTP[otlp.TraceParent(e.RunID)]
		if !ok {
			t.Errorf("no span for run %s", e.RunID)
			continue
		}
		start, _ := strconv.ParseInt(s.StartTimeUnixNano, 10, 64)
		end, _ := strconv.ParseInt(s.EndTimeUnixNano, 10, 64)
		if d := time.Duration(end - start).Seconds(); math.Abs(d-e.DurationS) > 0.002 {
			t.Errorf("span of %s lasts %vs, the history says %vs", e.RunID, d, e.DurationS)
		}
		wantCode := 1 // Ok
		if !e.Success {
			wantCode = 2
		}
		if s.Name != e.TaskID || s.Status.Code != wantCode {
			t.Errorf("span %s %q status %d, want %q %d", e.RunID, s.Name, s.Status.Code, e.TaskID, wantCode)
		}
		checkGenAI(t, "span of "+e.RunID, attrs(s.Attributes), l)
	}
}

// checkMetrics: the metrics add up to the history's sums, ccq.runs by
// result, gen_ai.client.token.usage by token type.
func checkMetrics(t *testing.T, ms []metric, lines [][]byte) {
	t.Helper()
	want := sumsOf(lines)
	got := metricSums(ms)
	for name, w := range map[string]float64{
		"ccq.runs": want.runs, "ccq.tokens": want.tokens, "ccq.cost": want.cost,
		"ccq.run.duration": want.durationSum, "ccq.run.duration.count": want.runs,
		"gen_ai.client.token.usage.input": want.genAIInput, "gen_ai.client.token.usage.output": want.genAIOutput,
		"gen_ai.client.token.usage.count": 2 * want.withUsage,
	} {
		if !near(got[name], w) {
			t.Errorf("metric %s adds up to %v, the history to %v", name, got[name], w)
		}
	}
	byResult := map[string]float64{}
	for _, m := range ms {
		switch m.Name {
		case "ccq.runs":
			for _, p := range m.Sum.DataPoints {
				v, _ := strconv.ParseFloat(*p.AsInt, 64)
				byResult[attrs(p.Attributes)["cicd.pipeline.result"]] += v
			}
		case "gen_ai.client.token.usage":
			for _, p := range m.Histogram.DataPoints {
				if a := attrs(p.Attributes); a["gen_ai.operation.name"] != "invoke_agent" || a["gen_ai.provider.name"] != "anthropic" || a["cicd.pipeline.name"] == "" {
					t.Errorf("gen_ai.client.token.usage point attributes %v", a)
				}
			}
		}
	}
	for r, w := range want.byResult {
		if byResult[r] != w {
			t.Errorf("ccq.runs{result=%s} = %v, want %v", r, byResult[r], w)
		}
	}
}

// bodyMatch is a history line and the log record whose body it is.
type bodyMatch struct {
	raw  []byte
	line string
	rec  logRecord
}

// matchBodies pairs each line with the record whose body is that line, and
// fails the test for a line no record carries.
func matchBodies(t *testing.T, recs []logRecord, lines [][]byte) []bodyMatch {
	t.Helper()
	bodies := map[string]logRecord{}
	for _, r := range recs {
		bodies[r.Body.String()] = r
	}
	var out []bodyMatch
	for _, l := range lines {
		line := strings.TrimRight(string(l), "\n")
		r, ok := bodies[line]
		if !ok {
			t.Errorf("no log record has the body %s", line)
			continue
		}
		out = append(out, bodyMatch{raw: l, line: line, rec: r})
	}
	return out
}
