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
	"google.golang.org/protobuf/proto"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		off     bool   // no signal on
		logs    string // logs endpoint wanted ("" = logs off)
		traces  string
		proto   string
		timeout time.Duration
		err     string
	}{
		{name: "nothing set", env: map[string]string{}, off: true},
		{name: "disabled", env: map[string]string{EnvEndpoint: "http://h:4318", EnvSDKDisabled: "TRUE"}, off: true},
		{name: "generic endpoint", env: map[string]string{EnvEndpoint: "http://h:4318"}, logs: "http://h:4318/v1/logs", traces: "http://h:4318/v1/traces", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "generic endpoint with path", env: map[string]string{EnvEndpoint: "https://h/otlp/"}, logs: "https://h/otlp/v1/logs", traces: "https://h/otlp/v1/traces", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "per-signal endpoint as is", env: map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://l:1/custom"}, logs: "http://l:1/custom", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "per-signal wins", env: map[string]string{EnvEndpoint: "http://h:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:1/x"}, logs: "http://h:4318/v1/logs", traces: "http://t:1/x", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "signal off", env: map[string]string{EnvEndpoint: "http://h:4318", "OTEL_TRACES_EXPORTER": "none"}, logs: "http://h:4318/v1/logs", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "grpc", env: map[string]string{EnvEndpoint: "http://h:4317", EnvProtocol: "grpc"}, logs: "http://h:4317", traces: "http://h:4317", proto: ProtocolGRPC, timeout: DefaultTimeout},
		{name: "grpc host:port", env: map[string]string{EnvEndpoint: "h:4317", EnvProtocol: "grpc"}, logs: "h:4317", traces: "h:4317", proto: ProtocolGRPC, timeout: DefaultTimeout},
		{name: "otel timeout", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTimeout: "500"}, logs: "http://h:4318/v1/logs", traces: "http://h:4318/v1/traces", proto: ProtocolHTTP, timeout: 500 * time.Millisecond},
		{name: "ccq timeout wins", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTimeout: "500", EnvFlushTimeout: "3s"}, logs: "http://h:4318/v1/logs", traces: "http://h:4318/v1/traces", proto: ProtocolHTTP, timeout: 3 * time.Second},
		{name: "json protocol", env: map[string]string{EnvEndpoint: "http://h:4318", EnvProtocol: "http/json"}, err: `protocol "http/json" is not supported`},
		{name: "no scheme", env: map[string]string{EnvEndpoint: "h:4318"}, err: "want a URL"},
		{name: "bad timeout", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTimeout: "2s"}, err: "milliseconds"},
		{name: "bad ccq timeout", env: map[string]string{EnvEndpoint: "http://h:4318", EnvFlushTimeout: "2"}, err: "positive duration"},
		{name: "bad headers", env: map[string]string{EnvEndpoint: "http://h:4318", EnvHeaders: "novalue"}, err: "key=value"},
		{name: "bad temporality", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTemporality: "sometimes"}, err: "delta, cumulative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.env)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.off {
				if c.logs != nil || c.metrics != nil || c.traces != nil {
					t.Fatalf("signals on: %+v", c)
				}
				return
			}
			endpoint := func(e *exportConfig) string {
				if e == nil {
					return ""
				}
				return e.endpoint
			}
			if got := endpoint(c.logs); got != tt.logs {
				t.Errorf("logs endpoint %q, want %q", got, tt.logs)
			}
			if got := endpoint(c.traces); got != tt.traces {
				t.Errorf("traces endpoint %q, want %q", got, tt.traces)
			}
			if c.logs != nil && c.logs.protocol != tt.proto {
				t.Errorf("protocol %q, want %q", c.logs.protocol, tt.proto)
			}
			if c.timeout != tt.timeout {
				t.Errorf("timeout %v, want %v", c.timeout, tt.timeout)
			}
		})
	}
}

func TestParseKeyValues(t *testing.T) {
	got, err := parseKeyValues("X", " a=1, b = x%20y ,,c=p+q=r")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"a", "1"}, {"b", "x y"}, {"c", "p+q=r"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func TestNewNil(t *testing.T) {
	for _, env := range []map[string]string{
		{},
		{EnvEndpoint: "http://127.0.0.1:1", EnvSDKDisabled: "true"},
		{EnvEndpoint: "http://127.0.0.1:1", "OTEL_LOGS_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_TRACES_EXPORTER": "none"},
	} {
		s, err := New(context.Background(), env, "v1")
		if s != nil || err != nil {
			t.Errorf("New(%v) = %v, %v; want nil, nil", env, s, err)
		}
	}
	// A nil *Sink is a valid, silent sink.
	var s *Sink
	if err := s.Finished(context.Background(), launch.RunInfo{}, recorder.Entry{}); err != nil {
		t.Error(err)
	}
	if s.TraceParent(launch.RunInfo{RunID: "x"}) != "" || s.Shutdown(context.Background()) != nil {
		t.Error("nil sink not silent")
	}
}

func TestResult(t *testing.T) {
	tests := []struct {
		e    recorder.Entry
		want string
	}{
		{recorder.Entry{Success: true}, "success"},
		{recorder.Entry{ErrorType: recorder.ErrExit}, "failure"},
		{recorder.Entry{ErrorType: recorder.ErrTimeout}, "timeout"},
		{recorder.Entry{ErrorType: recorder.ErrException}, "error"},
		{recorder.Entry{ErrorType: "something_new"}, "failure"},
		{recorder.Entry{}, "failure"},
	}
	for _, tt := range tests {
		if got := Result(&tt.e); got != tt.want {
			t.Errorf("Result(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestTraceParent(t *testing.T) {
	a, b := TraceParent("01jabcdefghjkmnp"), TraceParent("01jabcdefghjkmnq")
	if a != TraceParent("01jabcdefghjkmnp") {
		t.Error("not deterministic")
	}
	if a == b {
		t.Error("two runs share a traceparent")
	}
	parts := strings.Split(a, "-")
	if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 || len(parts[2]) != 16 || parts[3] != "01" {
		t.Errorf("malformed traceparent %q", a)
	}
	if TraceParent("") != "" {
		t.Error("empty run id gets a traceparent")
	}
}

func TestParseLine(t *testing.T) {
	line := []byte(`{"task_id":"t","success":false,"error_type":"timeout","tokens":5,"duration_s":1.5,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z","run_id":"r1","attempt":2,"retry_of":"r0"}`)
	e, err := ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if e.TaskID != "t" || e.ErrorType != recorder.ErrTimeout || e.Extra["attempt"] != 2.0 || e.Extra["retry_of"] != "r0" || len(e.Extra) != 2 {
		t.Errorf("got %+v", e)
	}
	for _, bad := range []string{`{"task_id":"t"}`, `not json`, `{"success":"yes"}`, `[1]`} {
		if _, err := ParseLine([]byte(bad)); err == nil {
			t.Errorf("ParseLine(%s) accepted", bad)
		}
	}
	kv := attributes(&e)
	found := false
	for _, a := range kv {
		if a.Key == "ccq.attempt" && a.Value.AsInt64() == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("no ccq.attempt=2 in %v", kv)
	}
}

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
		RunID: run.RunID, ExitCode: &code, ErrorDetail: "exit code 33", CostUSD: &cost, Extra: map[string]any{"attempt": 2}}
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
	rl := fb.logs[0].ResourceLogs[0]
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
	for k, want := range map[string]string{"cicd.pipeline.name": "nightly", "cicd.pipeline.run.id": run.RunID, "cicd.pipeline.result": "failure",
		"ccq.error.type": "exit_error", "ccq.error.detail": "exit code 33", "log.record.uid": run.RunID} {
		if got := a[k].GetStringValue(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if a["ccq.tokens"].GetIntValue() != 1200 || a["ccq.attempt"].GetIntValue() != 2 || a["ccq.cost_usd"].GetDoubleValue() != 0.25 || a["ccq.exit_code"].GetIntValue() != 33 {
		t.Errorf("attributes %v", a)
	}
	if want := start.Add(12500 * time.Millisecond).UnixNano(); rec.TimeUnixNano != uint64(want) {
		t.Errorf("log time %d, want the run's end %d", rec.TimeUnixNano, want)
	}
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

	sums := map[string]float64{}
	for _, m := range fb.metrics[0].ResourceMetrics[0].ScopeMetrics[0].Metrics {
		switch {
		case m.GetSum() != nil:
			for _, p := range m.GetSum().DataPoints {
				sums[m.Name] += float64(p.GetAsInt()) + p.GetAsDouble()
			}
		case m.GetHistogram() != nil:
			for _, p := range m.GetHistogram().DataPoints {
				sums[m.Name] += p.GetSum()
				sums[m.Name+".count"] += float64(p.Count)
			}
		}
	}
	want := map[string]float64{"ccq.runs": 1, "ccq.tokens": 1200, "ccq.cost": 0.25, "ccq.run.duration": 12.5, "ccq.run.duration.count": 1}
	for k, v := range want {
		if sums[k] != v {
			t.Errorf("metric %s = %v, want %v (all: %v)", k, sums[k], v, sums)
		}
	}
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
