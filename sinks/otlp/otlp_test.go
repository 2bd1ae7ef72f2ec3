package otlp

import (
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"
)

// fakeBackend is an OTLP/HTTP endpoint that decodes what it gets.
type fakeBackend struct {
	mu      sync.Mutex
	logs    []*collogs.ExportLogsServiceRequest
	traces  []*coltrace.ExportTraceServiceRequest
	metrics []*colmetrics.ExportMetricsServiceRequest
}

func (f *fakeBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	var m proto.Message
	switch r.URL.Path {
	case "/v1/logs":
		req := &collogs.ExportLogsServiceRequest{}
		f.logs, m = append(f.logs, req), req
	case "/v1/traces":
		req := &coltrace.ExportTraceServiceRequest{}
		f.traces, m = append(f.traces, req), req
	case "/v1/metrics":
		req := &colmetrics.ExportMetricsServiceRequest{}
		f.metrics, m = append(f.metrics, req), req
	default:
		http.NotFound(w, r)
		return
	}
	if err := proto.Unmarshal(body, m); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(200)
}

func attrMap(kvs []*commonpb.KeyValue) map[string]*commonpb.AnyValue {
	m := map[string]*commonpb.AnyValue{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestFinishedSendsEverySignal(t *testing.T) {
	fb := &fakeBackend{}
	srv := httptest.NewServer(fb)
	defer srv.Close()
	env := map[string]string{
		EnvEndpoint:           srv.URL,
		EnvServiceName:        "my-ccq",
		EnvResourceAttributes: "deployment.environment.name=test,service.name=ignored",
		EnvHeaders:            "x-token=abc",
	}
	s, err := New(context.Background(), env, "1.2.3")
	if err != nil || s == nil {
		t.Fatalf("New: %v, %v", s, err)
	}
	defer s.Shutdown(context.Background())
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	cost := 0.25
	code := 33
	run := launch.RunInfo{RunID: "01jabcdefghjkmnp", Task: "nightly", Start: start}
	e := recorder.Entry{TaskID: "nightly", ErrorType: recorder.ErrExit, Tokens: 1200, DurationS: 12.5, LogFile: "/l.md",
		RunID: run.RunID, ExitCode: &code, ErrorDetail: "exit code 33", CostUSD: &cost, SessionID: "sess-1", Model: "claude-sonnet-5",
		Usage: &recorder.Usage{Input: 100, Output: 200, CacheCreation: 300, CacheRead: 600},
		// The fingerprint as the launcher puts it in the extras.
		Extra: map[string]any{"attempt": 2, "fp": map[string]string{"models": "claude-opus-5-5,claude-sonnet-5"}}}
	e.SetStart(start)
	line, _ := e.Marshal()

	if err := s.Started(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	if err := s.Finished(context.Background(), run, e); err != nil {
		t.Fatal(err)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.logs) != 1 || len(fb.traces) != 1 || len(fb.metrics) != 1 {
		t.Fatalf("requests: %d logs, %d traces, %d metrics; want 1 each", len(fb.logs), len(fb.traces), len(fb.metrics))
	}
	rec := checkLogRecord(t, fb.logs[0], line, run.RunID, start.Add(12500*time.Millisecond))
	tp := TraceParent(run.RunID)
	if got := "00-" + hex.EncodeToString(rec.TraceId) + "-" + hex.EncodeToString(rec.SpanId) + "-01"; got != tp {
		t.Errorf("log trace context %s, want %s", got, tp)
	}
	if s.ChildEnv(run)["TRACEPARENT"] != tp {
		t.Errorf("ChildEnv %v, want TRACEPARENT=%s", s.ChildEnv(run), tp)
	}
	if s.TraceParent(run) != tp {
		t.Errorf("Sink.TraceParent %q, want %q", s.TraceParent(run), tp)
	}

	span := fb.traces[0].ResourceSpans[0].ScopeSpans[0].Spans[0]
	if got := "00-" + hex.EncodeToString(span.TraceId) + "-" + hex.EncodeToString(span.SpanId) + "-01"; got != tp {
		t.Errorf("span ids %s, want %s", got, tp)
	}
	if span.Name != "nightly" || span.StartTimeUnixNano != uint64(start.UnixNano()) || span.EndTimeUnixNano != uint64(start.Add(12500*time.Millisecond).UnixNano()) {
		t.Errorf("span %v", span)
	}
	if span.Status.GetCode() != 2 || !strings.Contains(span.Status.GetMessage(), "exit code 33") {
		t.Errorf("span status %v", span.Status)
	}
	checkGenAI(t, "span", attrMap(span.Attributes))

	sums := sumMetrics(fb.metrics[0])
	want := map[string]float64{"ccq.runs": 1, "ccq.tokens": 1200, "ccq.cost": 0.25, "ccq.run.duration": 12.5, "ccq.run.duration.count": 1,
		"gen_ai.client.token.usage.input": 1000, "gen_ai.client.token.usage.output": 200, "gen_ai.client.token.usage.count": 2}
	for k, v := range want {
		if sums[k] != v {
			t.Errorf("metric %s = %v, want %v (all: %v)", k, sums[k], v, sums)
		}
	}
}

// checkLogRecord checks the one log record of TestFinishedSendsEverySignal's
// run in req, and returns it.
func checkLogRecord(t *testing.T, req *collogs.ExportLogsServiceRequest, line []byte, runID string, end time.Time) *logspb.LogRecord {
	t.Helper()
	rl := req.ResourceLogs[0]
	res := attrMap(rl.Resource.Attributes)
	if res["service.name"].GetStringValue() != "my-ccq" || res["service.version"].GetStringValue() != "1.2.3" ||
		res["deployment.environment.name"].GetStringValue() != "test" || res["host.name"].GetStringValue() == "" {
		t.Errorf("resource %v", res)
	}
	rec := rl.ScopeLogs[0].LogRecords[0]
	if got := rec.Body.GetStringValue(); got != strings.TrimSuffix(string(line), "\n") {
		t.Errorf("body %q\nwant %q", got, line)
	}
	a := attrMap(rec.Attributes)
	for k, want := range map[string]string{"cicd.pipeline.name": "nightly", "cicd.pipeline.run.id": runID, "cicd.pipeline.result": "failure",
		"ccq.error.type": "exit_error", "ccq.error.detail": "exit code 33", "log.record.uid": runID} {
		if got := a[k].GetStringValue(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if a["ccq.tokens"].GetIntValue() != 1200 || a["ccq.attempt"].GetIntValue() != 2 || a["ccq.cost_usd"].GetDoubleValue() != 0.25 || a["ccq.exit_code"].GetIntValue() != 33 {
		t.Errorf("attributes %v", a)
	}
	checkGenAI(t, "log record", a)
	if want := end.UnixNano(); rec.TimeUnixNano != uint64(want) {
		t.Errorf("log time %d, want the run's end %d", rec.TimeUnixNano, want)
	}
	return rec
}

// checkGenAI checks the GenAI attributes TestFinishedSendsEverySignal's run
// must carry, on the log record and the span alike.
func checkGenAI(t *testing.T, what string, a map[string]*commonpb.AnyValue) {
	t.Helper()
	for k, want := range map[string]string{"gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "anthropic",
		"gen_ai.agent.name": "nightly", "gen_ai.conversation.id": "sess-1", "error.type": "exit_error",
		"gen_ai.request.model": "claude-opus-5-5", "gen_ai.response.model": "claude-sonnet-5"} {
		if got := a[k].GetStringValue(); got != want {
			t.Errorf("%s: %s = %q, want %q", what, k, got, want)
		}
	}
	for k, want := range map[string]int64{"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 200,
		"gen_ai.usage.cache_read.input_tokens": 600, "gen_ai.usage.cache_creation.input_tokens": 300} {
		if got := a[k].GetIntValue(); got != want {
			t.Errorf("%s: %s = %d, want %d", what, k, got, want)
		}
	}
}

// sumMetrics adds up the points of every metric in req: a counter's
// values, a histogram's sums and counts (name.count), and a histogram's
// sums by gen_ai.token.type (name.<type>).
func sumMetrics(req *colmetrics.ExportMetricsServiceRequest) map[string]float64 {
	sums := map[string]float64{}
	for _, m := range req.ResourceMetrics[0].ScopeMetrics[0].Metrics {
		for _, p := range m.GetSum().GetDataPoints() {
			sums[m.Name] += float64(p.GetAsInt()) + p.GetAsDouble()
		}
		for _, p := range m.GetHistogram().GetDataPoints() {
			sums[m.Name] += p.GetSum()
			sums[m.Name+".count"] += float64(p.Count)
			if tt := attrMap(p.Attributes)["gen_ai.token.type"]; tt != nil {
				sums[m.Name+"."+tt.GetStringValue()] += p.GetSum()
			}
		}
	}
	return sums
}

// An unreachable backend and one that never answers both cost at most the
// export timeout, and an error.
func TestFinishedBounded(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + closed.Addr().String()
	closed.Close()

	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	stop := make(chan struct{})
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			conns.Go(func() { // read, never answer
				go io.Copy(io.Discard, c)
				<-stop
				c.Close()
			})
		}
	}()
	defer func() {
		hang.Close()
		<-acceptDone // no conns.Go after this
		close(stop)
		conns.Wait()
	}()

	for _, tc := range []struct{ name, url, proto string }{
		{"down", downURL, ProtocolHTTP},
		{"slow", "http://" + hang.Addr().String(), ProtocolHTTP},
		{"down grpc", downURL, ProtocolGRPC},
		{"slow grpc", "http://" + hang.Addr().String(), ProtocolGRPC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const bound = 400 * time.Millisecond
			s, err := New(context.Background(), map[string]string{EnvEndpoint: tc.url, EnvProtocol: tc.proto, EnvFlushTimeout: bound.String()}, "v")
			if err != nil {
				t.Fatal(err)
			}
			run := launch.RunInfo{RunID: "r1", Task: "t", Start: time.Now()}
			e := recorder.Entry{TaskID: "t", Success: true, RunID: "r1"}
			e.SetStart(run.Start)
			t0 := time.Now()
			err = s.Finished(context.Background(), run, e)
			took := time.Since(t0)
			if err == nil {
				t.Error("no error")
			}
			if took > bound+300*time.Millisecond {
				t.Errorf("Finished took %v, bound %v", took, bound)
			}
			t.Logf("%v after %v", err, took)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			t0 = time.Now()
			s.Shutdown(ctx)
			if d := time.Since(t0); d > 1100*time.Millisecond {
				t.Errorf("Shutdown took %v", d)
			}
		})
	}
}

// The launcher's deadline is honoured when it is sooner than the sink's.
func TestFinishedHonoursContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	s, err := New(context.Background(), map[string]string{EnvEndpoint: url, EnvFlushTimeout: "5s"}, "v")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	if err := s.Finished(ctx, launch.RunInfo{RunID: "r"}, recorder.Entry{TaskID: "t", Success: true}); err == nil {
		t.Error("no error")
	}
	if d := time.Since(t0); d > 600*time.Millisecond {
		t.Errorf("took %v with a 200ms deadline", d)
	}
}

func TestSendLineBatches(t *testing.T) {
	fb := &fakeBackend{}
	srv := httptest.NewServer(fb)
	defer srv.Close()
	s, err := New(context.Background(), map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": srv.URL + "/v1/logs"}, "v")
	if err != nil || s == nil {
		t.Fatal(s, err)
	}
	defer s.Shutdown(context.Background())
	const n = MaxBatch + 10
	for i := range n {
		e := recorder.Entry{TaskID: "t", Success: i%2 == 0, Tokens: int64(i), RunID: "r" + string(rune('a'+i%26)) + strings.Repeat("x", i%5)}
		e.SetStart(time.Unix(int64(i), 0))
		line, _ := e.Marshal()
		if err := s.SendLine(context.Background(), line); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SendLine(context.Background(), []byte(`{"no":"entry"}`)); err == nil {
		t.Error("malformed line accepted")
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	total := 0
	for _, r := range fb.logs {
		total += len(r.ResourceLogs[0].ScopeLogs[0].LogRecords)
	}
	if len(fb.logs) != 2 || total != n {
		t.Errorf("%d requests with %d records, want 2 with %d", len(fb.logs), total, n)
	}
	if len(fb.traces)+len(fb.metrics) != 0 {
		t.Error("traces or metrics sent without their endpoints")
	}
}
