package helper

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/idhash"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// TestAsyncStartDoesNotWait: with Async, Start returns while the helper
// has not answered hello — here it cannot, until the test lets it — and
// the sinks' events wait for that answer, then go through.
func TestAsyncStartDoesNotWait(t *testing.T) {
	gate := filepath.Join(t.TempDir(), "gate")
	p := script(t, `read hello
while [ ! -e "$GATE" ]; do sleep 0.05; done
echo '{"v":1,"id":1,"sinks":["ping"]}'
read started
echo '{"v":1,"id":2}'
read finished
echo '{"v":1,"id":3,"errors":{"ping":"404 no such check"}}'
`)
	env := map[string]string{"PATH": os.Getenv("PATH"), "GATE": gate}
	c, rep, err := Start(Options{Path: p, Env: env, Config: Config{Ping: "https://hc.example/x"}, Timeout: 20 * time.Second,
		Async: true, Sinks: []string{SinkPing}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(5 * time.Second) })
	if len(rep.Sinks) != 1 || len(c.Sinks()) != 1 {
		t.Fatalf("sinks %v", rep.Sinks)
	}
	select {
	case <-c.ready:
		t.Fatal("hello was answered, though the helper cannot answer yet")
	default:
	}
	s := c.Sinks()[0]
	run := launch.RunInfo{RunID: "r1", Task: "nightly", Attempt: 1}
	if a, ok := s.(launch.Annotator); !ok || a.Annotate(run)["ping_rid"] != idhash.RunUUID("r1") {
		t.Errorf("the ping's sink does not put its rid in the line")
	}
	done := make(chan error, 1)
	go func() { done <- s.Started(sinkCtx(t), run) }()
	select {
	case err := <-done:
		t.Fatalf("started answered before hello: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("started: %v", err)
	}
	if err := s.Finished(sinkCtx(t), run, recorder.Entry{TaskID: "nightly", Success: true}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("finished: %v, want the helper's error", err)
	}
}

// TestAsyncSetupError: a sink the helper could not set up fails each of
// its events with why, though Start returned before knowing it.
func TestAsyncSetupError(t *testing.T) {
	p := script(t, `read hello
echo '{"v":1,"id":1,"errors":{"ping":"ping URL https://hc.example/REDACTED: no"}}'
cat >/dev/null
`)
	c, _, err := Start(Options{Path: p, Env: map[string]string{"PATH": os.Getenv("PATH")}, Config: Config{Ping: "https://hc.example/x"},
		Timeout: 10 * time.Second, Async: true, Sinks: []string{SinkPing}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(5 * time.Second) })
	err = c.Sinks()[0].Started(sinkCtx(t), launch.RunInfo{RunID: "r1"})
	if err == nil || !strings.Contains(err.Error(), "ping URL") {
		t.Errorf("started: %v, want the setup error", err)
	}
}

// TestPingThroughHelper: the real helper pings a healthchecks-style
// endpoint: /start with the run's rid, then /fail for a failed run.
func TestPingThroughHelper(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		_, _ = io.WriteString(w, "OK")
	}))
	defer srv.Close()
	c, _, err := Start(Options{Path: realHelper(t), Config: Config{Ping: srv.URL + "/ping/abc"}, Timeout: 20 * time.Second,
		Async: true, Sinks: []string{SinkPing}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(5 * time.Second) })
	s := c.Sinks()[0]
	run := launch.RunInfo{RunID: "r1", Task: "nightly", Attempt: 1}
	if err := s.Started(sinkCtx(t), run); err != nil {
		t.Fatal(err)
	}
	if err := s.Finished(sinkCtx(t), run, recorder.Entry{TaskID: "nightly", ErrorType: "timeout", RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	rid := "rid=" + idhash.RunUUID("r1")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "/ping/abc/start?"+rid || got[1] != "/ping/abc/fail?"+rid {
		t.Errorf("pings %q", got)
	}
}
