package otelcoltest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// collector is a running test Collector: OTLP in (HTTP and gRPC on
// 127.0.0.1), one file per signal out.
type collector struct {
	httpURL  string // http://127.0.0.1:port
	grpcURL  string
	outDir   string
	cmd      *exec.Cmd
	stderr   *bytes.Buffer
	exitedCh chan struct{}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startSinkCollector starts a Collector that writes what it receives over
// OTLP to logs.json, traces.json and metrics.json in its own directory.
func startSinkCollector(t testing.TB) *collector {
	t.Helper()
	dir := t.TempDir()
	hp, gp := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
      grpc:
        endpoint: 127.0.0.1:%d
exporters:
  file/logs:
    path: %[3]s/logs.json
  file/traces:
    path: %[3]s/traces.json
  file/metrics:
    path: %[3]s/metrics.json
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs: {receivers: [otlp], exporters: [file/logs]}
    traces: {receivers: [otlp], exporters: [file/traces]}
    metrics: {receivers: [otlp], exporters: [file/metrics]}
`, hp, gp, dir)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &collector{httpURL: fmt.Sprintf("http://127.0.0.1:%d", hp), grpcURL: fmt.Sprintf("http://127.0.0.1:%d", gp), outDir: dir}
	c.start(t, nil, "--config", cfgPath)
	waitPort(t, c, hp)
	waitPort(t, c, gp)
	return c
}

// start runs the Collector with args and extra environment; it is stopped
// (SIGTERM, then killed) when the test ends.
func (c *collector) start(t testing.TB, env []string, args ...string) {
	t.Helper()
	c.cmd = exec.Command(otelcolBin, args...)
	c.cmd.Env = append(os.Environ(), env...)
	c.stderr = &bytes.Buffer{}
	c.cmd.Stdout, c.cmd.Stderr = c.stderr, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.exitedCh = make(chan struct{})
	go func() { c.cmd.Wait(); close(c.exitedCh) }()
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("collector output:\n%s", c.stderr.Bytes())
		}
	})
}

// stop ends the Collector and waits for it.
func (c *collector) stop() {
	select {
	case <-c.exitedCh:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exitedCh:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.exitedCh
	}
}

func waitPort(t testing.TB, c *collector, port int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-c.exitedCh:
			t.Fatalf("collector exited: %s", c.stderr.Bytes())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("collector not listening on %d after 20s: %s", port, c.stderr.Bytes())
}

// OTLP JSON, as the file exporter writes it: only the fields the tests read.
type anyValue struct {
	StringValue *string  `json:"stringValue"`
	IntValue    *string  `json:"intValue"` // int64 as a JSON string
	DoubleValue *float64 `json:"doubleValue"`
	BoolValue   *bool    `json:"boolValue"`
}

func (v anyValue) String() string {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		return *v.IntValue
	case v.DoubleValue != nil:
		return strconv.FormatFloat(*v.DoubleValue, 'g', -1, 64)
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue)
	}
	return ""
}

type keyValue struct {
	Key   string   `json:"key"`
	Value anyValue `json:"value"`
}

func attrs(kvs []keyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.String()
	}
	return m
}

type resource struct {
	Attributes []keyValue `json:"attributes"`
}

type logRecord struct {
	TimeUnixNano   string     `json:"timeUnixNano"`
	SeverityNumber int        `json:"severityNumber"`
	Body           anyValue   `json:"body"`
	Attributes     []keyValue `json:"attributes"`
	TraceID        string     `json:"traceId"`
	SpanID         string     `json:"spanId"`
	Resource       map[string]string
}

type span struct {
	TraceID           string     `json:"traceId"`
	SpanID            string     `json:"spanId"`
	Name              string     `json:"name"`
	StartTimeUnixNano string     `json:"startTimeUnixNano"`
	EndTimeUnixNano   string     `json:"endTimeUnixNano"`
	Attributes        []keyValue `json:"attributes"`
	Status            struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
}

type numberPoint struct {
	AsInt      *string    `json:"asInt"`
	AsDouble   *float64   `json:"asDouble"`
	Attributes []keyValue `json:"attributes"`
}

type histPoint struct {
	Count      string     `json:"count"`
	Sum        float64    `json:"sum"`
	Attributes []keyValue `json:"attributes"`
}

type metric struct {
	Name string `json:"name"`
	Sum  *struct {
		DataPoints             []numberPoint `json:"dataPoints"`
		AggregationTemporality int           `json:"aggregationTemporality"`
	} `json:"sum"`
	Histogram *struct {
		DataPoints             []histPoint `json:"dataPoints"`
		AggregationTemporality int         `json:"aggregationTemporality"`
	} `json:"histogram"`
}

type exportLine struct {
	ResourceLogs []struct {
		Resource  resource `json:"resource"`
		ScopeLogs []struct {
			LogRecords []logRecord `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
	ResourceSpans []struct {
		ScopeSpans []struct {
			Spans []span `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
	ResourceMetrics []struct {
		ScopeMetrics []struct {
			Metrics []metric `json:"metrics"`
		} `json:"scopeMetrics"`
	} `json:"resourceMetrics"`
}

// readExports reads one of the file exporter's files: one JSON object per
// export request. A missing file is empty.
func readExports(t *testing.T, path string) []exportLine {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []exportLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			// The exporter may be mid-write: a torn last line is read again later.
			break
		}
		out = append(out, l)
	}
	return out
}

func (c *collector) logs(t *testing.T) []logRecord {
	var out []logRecord
	for _, l := range readExports(t, filepath.Join(c.outDir, "logs.json")) {
		for _, rl := range l.ResourceLogs {
			res := attrs(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, r := range sl.LogRecords {
					r.Resource = res
					out = append(out, r)
				}
			}
		}
	}
	return out
}

func (c *collector) spans(t *testing.T) []span {
	var out []span
	for _, l := range readExports(t, filepath.Join(c.outDir, "traces.json")) {
		for _, rs := range l.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				out = append(out, ss.Spans...)
			}
		}
	}
	return out
}

func (c *collector) metrics(t *testing.T) []metric {
	var out []metric
	for _, l := range readExports(t, filepath.Join(c.outDir, "metrics.json")) {
		for _, rm := range l.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				out = append(out, sm.Metrics...)
			}
		}
	}
	return out
}

// waitFor polls cond until it holds or 15 s have passed: the file exporter
// writes asynchronously to the receiver's answer.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metricSums adds up every point of every metric: counters' values, and a
// histogram's sum and count (as name+".count"), and its sums by
// gen_ai.token.type (as name+"."+type). With delta temporality
// the points of successive exports add up to the totals.
func metricSums(ms []metric) map[string]float64 {
	sums := map[string]float64{}
	for _, m := range ms {
		if m.Sum != nil {
			for _, p := range m.Sum.DataPoints {
				if p.AsInt != nil {
					n, _ := strconv.ParseFloat(*p.AsInt, 64)
					sums[m.Name] += n
				}
				if p.AsDouble != nil {
					sums[m.Name] += *p.AsDouble
				}
			}
		}
		if m.Histogram != nil {
			for _, p := range m.Histogram.DataPoints {
				n, _ := strconv.ParseFloat(p.Count, 64)
				sums[m.Name+".count"] += n
				sums[m.Name] += p.Sum
				if tt := attrs(p.Attributes)["gen_ai.token.type"]; tt != "" {
					sums[m.Name+"."+tt] += p.Sum
				}
			}
		}
	}
	return sums
}
