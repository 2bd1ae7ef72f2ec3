package launch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// fakeSink notes what it was told; bad makes it fail, panic or hang.
type fakeSink struct {
	mu            sync.Mutex
	started       []RunInfo
	startedDone   int  // Started calls that returned
	overtaken     bool // Finished came while a Started had not returned
	finished      []recorder.Entry
	finishedInfos []RunInfo
	bad           string // "", "error", "panic", "hang"
}

func (s *fakeSink) misbehave(ctx context.Context) error {
	switch s.bad {
	case "error":
		return errors.New("sink down")
	case "panic":
		panic("sink bug")
	case "hang":
		<-make(chan struct{}) // ignores ctx, as a buggy sink would
	}
	return nil
}

func (s *fakeSink) Started(ctx context.Context, run RunInfo) error {
	s.mu.Lock()
	s.started = append(s.started, run)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.startedDone++
		s.mu.Unlock()
	}()
	return s.misbehave(ctx)
}

func (s *fakeSink) Finished(ctx context.Context, run RunInfo, e recorder.Entry) error {
	s.mu.Lock()
	s.overtaken = s.overtaken || s.startedDone < len(s.started)
	s.finished = append(s.finished, e)
	s.finishedInfos = append(s.finishedInfos, run)
	s.mu.Unlock()
	return s.misbehave(ctx)
}

// TestSinks: a sink hears Started, then (never before Started returned)
// Finished with the entry exactly as written to the history.
func TestSinks(t *testing.T) {
	r := newRunEnv(t)
	sink := &fakeSink{}
	o := r.opts(standIn(t, "started.sh"))
	o.Sinks = []Sink{sink}
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if len(sink.started) != 1 || sink.overtaken {
		t.Fatalf("Started %d times, Finished before Started returned: %v", len(sink.started), sink.overtaken)
	}
	if st := sink.started[0]; st.RunID != e.RunID || st.Task != "job" || st.LogFile != e.LogFile || st.Start.IsZero() {
		t.Errorf("Started with %+v, entry %+v", st, e)
	}
	if len(sink.finished) != 1 || !reflect.DeepEqual(lineOnly(sink.finished[0]), lineOnly(e)) || sink.finishedInfos[0] != sink.started[0] {
		t.Errorf("Finished with %+v\nhistory has %+v", sink.finished, e)
	}
	if len(out.Warnings) != 0 {
		t.Errorf("warnings %q", out.Warnings)
	}
}

// TestSinksCannotChangeTheRun: sinks that fail, panic or never return
// change neither the ending nor the line; each becomes a warning.
func TestSinksCannotChangeTheRun(t *testing.T) {
	defer func(d time.Duration) { sinkTimeout = d }(sinkTimeout)
	sinkTimeout = 200 * time.Millisecond
	r := newRunEnv(t)
	good := &fakeSink{}
	bad := []*fakeSink{{bad: "error"}, {bad: "panic"}, {bad: "hang"}}
	o := r.opts(standIn(t, "exit33.sh"))
	o.Sinks = []Sink{bad[0], bad[1], good, bad[2]}
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if out.Ending != Exited || out.Code != 33 || out.RecordErr != nil || e.ErrorType != recorder.ErrExit {
		t.Errorf("%v (code %d, record error %v), entry %+v", out.Ending, out.Code, out.RecordErr, e)
	}
	good.mu.Lock()
	if len(good.finished) != 1 || !reflect.DeepEqual(lineOnly(good.finished[0]), lineOnly(e)) {
		t.Errorf("the working sink got %+v, history has %+v", good.finished, e)
	}
	good.mu.Unlock()
	warnings := strings.Join(out.Warnings, "\n")
	for _, want := range []string{"started: sink down", "finished: sink down", "started: panic: sink bug", "finished: panic: sink bug", "started: no answer within 200ms", "finished: no answer within 200ms"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
	if len(out.Warnings) != 6 {
		t.Errorf("%d warnings, want 6:\n%s", len(out.Warnings), warnings)
	}
}

// slowStart is a sink whose Started takes until its ctx is done: an
// endpoint that never answers.
type slowStart struct {
	mu           sync.Mutex
	startedAt    time.Time // when Started returned
	finishedAt   time.Time // when Finished was called
	childStarted bool      // claude ran before Started returned
	startedFile  string
}

func (s *slowStart) Started(ctx context.Context, run RunInfo) error {
	<-ctx.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startedAt = time.Now()
	_, err := os.Stat(s.startedFile)
	s.childStarted = err == nil
	return ctx.Err()
}

func (s *slowStart) Finished(ctx context.Context, run RunInfo, e recorder.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishedAt = time.Now()
	return nil
}

// TestSlowSinkOffTheClock: a sink whose Started hangs past the run's own
// timeout delays neither claude's start nor the run's clock: a 1 s task
// with a 3 s timeout succeeds in about 1 s, and the sink's Finished still
// comes after its Started gave up.
func TestSlowSinkOffTheClock(t *testing.T) {
	defer func(d time.Duration) { sinkTimeout = d }(sinkTimeout)
	sinkTimeout = 4 * time.Second
	r := newRunEnv(t)
	r.env["STANDIN_SLEEP"] = "1"
	sink := &slowStart{startedFile: r.env["STANDIN_STARTED"]}
	o := r.opts(standIn(t, "nap.sh"))
	o.Flags.Timeout = 3 * time.Second
	o.Sinks = []Sink{sink}
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if out.Ending != Exited || out.Code != 0 || !e.Success {
		t.Fatalf("%v (code %d), entry %+v", out.Ending, out.Code, e)
	}
	// The task sleeps 1 s; the sink hangs 4 s and the timeout is 3 s.
	if e.DurationS < 1 || e.DurationS > 2.5 {
		t.Errorf("duration %.3f s, want about the task's 1 s", e.DurationS)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if !sink.childStarted {
		t.Error("claude was not started while the sink's Started hung")
	}
	if sink.startedAt.IsZero() || sink.finishedAt.Before(sink.startedAt) {
		t.Errorf("Finished at %v, before Started returned at %v", sink.finishedAt, sink.startedAt)
	}
	// The sink gives up as the launcher stops waiting: either may say so.
	if w := strings.Join(out.Warnings, "\n"); !strings.Contains(w, "started: context deadline exceeded") && !strings.Contains(w, "started: no answer within") {
		t.Errorf("warnings %q lack the hung Started", out.Warnings)
	}
}

// TestSecretsWithheld: ccq's own credentials — ping and notify URLs, the
// OTLP exporter's headers, an OTLP endpoint with a token in it — do not
// reach claude's environment, where any tool of the run could read them;
// claude's own settings (its telemetry switch, a plain endpoint) do.
func TestSecretsWithheld(t *testing.T) {
	r := newRunEnv(t)
	dump := filepath.Join(r.dir, "env")
	withheld := map[string]string{
		"CCQ_PING_URL":                      "https://hc-ping.com/5f0c2b9e-1d7a-4c3e-9b8f-7e6d5c4b3a21",
		"CCQ_NOTIFY":                        "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX",
		"OTEL_EXPORTER_OTLP_HEADERS":        "authorization=Bearer%20otlp-secret-1",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-api-key=otlp-secret-2",
		"OTEL_EXPORTER_OTLP_ENDPOINT":       "https://collector.example:4318/ingest/otlp-secret-3",
		"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT":  "https://user:otlp-secret-4@collector.example:4318",
	}
	passed := map[string]string{
		"CLAUDE_CODE_ENABLE_TELEMETRY":        "1",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "https://collector.example:4318/v1/metrics",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":  "127.0.0.1:4317",
		"OTEL_SERVICE_NAME":                   "nightly",
		"CCQ_NOTIFY_ON":                       "failure",
	}
	for k, v := range withheld {
		r.env[k] = v
	}
	for k, v := range passed {
		r.env[k] = v
	}
	r.env["STANDIN_ENV"] = dump
	out, err := Run(context.Background(), r.opts(standIn(t, "env.sh")))
	if err != nil {
		t.Fatal(err)
	}
	if e := onlyLine(t, r, out); !e.Success {
		t.Fatalf("entry %+v", e)
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	env := "\n" + string(b)
	for k, v := range withheld {
		if strings.Contains(env, k+"=") || strings.Contains(env, v) {
			t.Errorf("claude got %s", k)
		}
	}
	for k, v := range passed {
		if !strings.Contains(env, "\n"+k+"="+v+"\n") {
			t.Errorf("claude lacks %s=%s", k, v)
		}
	}
}
