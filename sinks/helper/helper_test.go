package helper

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/otlp"
)

// realHelper is ccq-helper built from this tree.
func realHelper(t *testing.T) string {
	return filepath.Join(claudetest.Build(t, "./cmd/ccq-helper"), Name)
}

func start(t *testing.T, path string, env map[string]string, cfg Config) (*Client, Reply) {
	t.Helper()
	c, rep, err := Start(Options{Path: path, Env: env, Config: cfg, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(5 * time.Second) })
	return c, rep
}

func sinkCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTextfileThroughHelper: the real helper writes node_exporter's file
// when told a run finished, and refuses a relative directory at hello.
func TestTextfileThroughHelper(t *testing.T) {
	logs, prom := t.TempDir(), t.TempDir()
	line := `{"task_id":"nightly","success":true,"error_type":null,"tokens":5,"duration_s":1,"log_file":"","timestamp":"2026-03-01T09:00:00.000Z","run_id":"r1"}` + "\n"
	if err := os.WriteFile(recorder.HistoryPath(logs), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	c, rep := start(t, realHelper(t), map[string]string{"CCQ_TEXTFILE_DIR": prom}, Config{Textfile: true, LogsDir: logs})
	if len(rep.Errors) > 0 || len(c.Sinks()) != 1 || c.Sinks()[0].(launch.Namer).SinkName() != SinkTextfile {
		t.Fatalf("hello: %+v", rep)
	}
	run := launch.RunInfo{RunID: "r1", Task: "nightly", Start: time.Now(), Attempt: 1}
	for _, s := range c.Sinks() {
		if err := s.Started(sinkCtx(t), run); err != nil {
			t.Fatal(err)
		}
		if err := s.Finished(sinkCtx(t), run, recorder.Entry{TaskID: "nightly", Success: true, RunID: "r1"}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(prom, "ccq.prom"))
	if err != nil || !strings.Contains(string(b), `ccq_runs_total{outcome="success",task="nightly"} 1`) {
		t.Fatalf("ccq.prom: %v\n%s", err, b)
	}
	if err := c.Close(5 * time.Second); err != nil {
		t.Errorf("close: %v", err)
	}

	_, rep = start(t, realHelper(t), map[string]string{"CCQ_TEXTFILE_DIR": "prom"}, Config{Textfile: true, LogsDir: logs})
	if !strings.Contains(rep.Errors[SinkTextfile], "must be an absolute path") || len(rep.Sinks) != 0 {
		t.Errorf("relative textfile dir: %+v", rep)
	}
}

// hook records the bodies posted to it.
type hook struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, r.URL.Path+" "+string(b))
	h.mu.Unlock()
}

func (h *hook) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

// TestNotifyThroughHelper: a shoutrrr URL is checked at hello (a bad one
// is an error naming it redacted) and delivered through the helper, for a
// failed run and for ccq check's message; a retried attempt sends nothing.
func TestNotifyThroughHelper(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, rep := start(t, realHelper(t), nil, Config{Notify: []string{"slack://hooks/Sekr3tToken"}})
	if m := rep.Errors[SinkNotify]; m == "" || strings.Contains(m, "Sekr3tToken") {
		t.Errorf("bad slack URL: %+v", rep)
	}

	c, rep := start(t, realHelper(t), nil, Config{Notify: []string{"generic+" + srv.URL + "/g/Sekr3tToken"}})
	if len(rep.Errors) > 0 || len(c.Sinks()) != 1 {
		t.Fatalf("hello: %+v", rep)
	}
	s := c.Sinks()[0]
	run := launch.RunInfo{RunID: "r1", Task: "nightly", Attempt: 1, WillRetry: true}
	if err := s.Finished(sinkCtx(t), run, recorder.Entry{TaskID: "nightly", ErrorType: "timeout", RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	run = launch.RunInfo{RunID: "r2", Task: "nightly", Attempt: 2, RetryOf: "r1"}
	if err := s.Finished(sinkCtx(t), run, recorder.Entry{TaskID: "nightly", ErrorType: "timeout", RunID: "r2"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.Check(sinkCtx(t), "success rate 0.5 < 0.9"); err != nil {
			t.Fatal(err)
		}
	}
	got := h.got()
	if len(got) != 3 || !strings.Contains(got[0], "nightly") || !strings.Contains(got[2], "success rate 0.5 < 0.9") {
		t.Errorf("sent %q", got)
	}
}

// TestOTLPThroughHelper: the helper's OTLP sink sends the finished run's
// history line as a log record, and says it sends spans, so ccq sets the
// TRACEPARENT the span will have.
func TestOTLPThroughHelper(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}
	c, rep := start(t, realHelper(t), env, Config{OTLP: true, Version: "test"})
	if len(rep.Errors) > 0 || !rep.TraceParent || len(c.Sinks()) != 1 {
		t.Fatalf("hello: %+v", rep)
	}
	s := c.Sinks()[0]
	run := launch.RunInfo{RunID: "r-otlp-1", Task: "nightly", Start: time.Now().Add(-time.Second), Attempt: 1}
	if tp := s.(launch.Enver).ChildEnv(run)["TRACEPARENT"]; tp != otlp.TraceParent(run.RunID) || tp == "" {
		t.Errorf("TRACEPARENT %q, want %q", tp, otlp.TraceParent(run.RunID))
	}
	e := recorder.Entry{TaskID: "nightly", Success: true, RunID: run.RunID, Extra: map[string]any{"attempt": 1}}
	if err := s.Finished(sinkCtx(t), run, e); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, b := range h.got() {
		p, _, _ := strings.Cut(b, " ")
		paths = append(paths, p)
	}
	if j := strings.Join(paths, ","); !strings.Contains(j, "/v1/logs") || !strings.Contains(j, "/v1/traces") {
		t.Errorf("requests to %s", j)
	}

	_, rep = start(t, realHelper(t), map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon", "OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}, Config{OTLP: true})
	if rep.Errors[SinkOTLP] == "" {
		t.Errorf("unknown protocol: %+v", rep)
	}
}

// TestTraceParent: ccq's derivation, without OpenTelemetry, is the one
// the OTLP sink gives its span.
func TestTraceParent(t *testing.T) {
	for _, id := range []string{"r1", "20260301T090000Z-nightly-1a2b", strings.Repeat("x", 300)} {
		if got, want := TraceParent(id), otlp.TraceParent(id); got != want {
			t.Errorf("TraceParent(%q) = %q, want %q", id, got, want)
		}
	}
}

// script writes an executable shell script.
func script(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "helper")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHelperNotSpeaking: a helper that dies, or answers in another
// version, fails Start with what it said.
func TestHelperNotSpeaking(t *testing.T) {
	p := script(t, "echo 'no such service' >&2; exit 3\n")
	_, _, err := Start(Options{Path: p, Timeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "no such service") {
		t.Errorf("dying helper: %v", err)
	}
	p = script(t, `read hello; echo '{"v":2,"id":1}'; sleep 1`+"\n")
	_, _, err = Start(Options{Path: p, Timeout: 5 * time.Second})
	if err == nil {
		t.Error("a helper of protocol 2 was accepted")
	}
}

// TestFind: $CCQ_HELPER first, then an absolute $PATH entry; a missing
// helper is ErrNotFound.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, Name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Find(map[string]string{"PATH": "relative:" + dir}); err != nil || got != p {
		t.Errorf("on PATH: %q, %v", got, err)
	}
	if got, err := Find(map[string]string{EnvHelper: p}); err != nil || got != p {
		t.Errorf("$CCQ_HELPER: %q, %v", got, err)
	}
	if _, err := Find(map[string]string{EnvHelper: dir}); !errors.Is(err, ErrNotFound) {
		t.Errorf("$CCQ_HELPER a folder: %v", err)
	}
	if _, err := Find(map[string]string{"PATH": t.TempDir()}); !errors.Is(err, ErrNotFound) {
		t.Errorf("nowhere: %v", err)
	}
}

// TestDecodeEntry: a history line comes back with its extras.
func TestDecodeEntry(t *testing.T) {
	e := recorder.Entry{TaskID: "t", Success: true, RunID: "r", Extra: map[string]any{"attempt": 2, "ping_error": "x"}}
	line, _ := e.Marshal()
	got, err := DecodeEntry(line)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := got.Marshal()
	if string(back) != string(line) {
		t.Errorf("round trip\n%s\nwant\n%s", back, line)
	}
	var m map[string]any
	if json.Unmarshal(back, &m) != nil || m["ping_error"] != "x" {
		t.Errorf("extras lost: %s", back)
	}
}
