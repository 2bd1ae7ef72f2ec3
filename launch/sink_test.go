package launch

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// fakeSink notes what it was told; bad makes it fail, panic or hang.
type fakeSink struct {
	startedFile string // must not exist yet when Started is called

	mu            sync.Mutex
	started       []RunInfo
	childUpEarly  bool
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
	if _, err := os.Stat(s.startedFile); err == nil {
		s.childUpEarly = true
	}
	s.mu.Unlock()
	return s.misbehave(ctx)
}

func (s *fakeSink) Finished(ctx context.Context, run RunInfo, e recorder.Entry) error {
	s.mu.Lock()
	s.finished = append(s.finished, e)
	s.finishedInfos = append(s.finishedInfos, run)
	s.mu.Unlock()
	return s.misbehave(ctx)
}

// TestSinks: a sink hears Started before claude starts and Finished with
// the entry exactly as written to the history.
func TestSinks(t *testing.T) {
	r := newRunEnv(t)
	sink := &fakeSink{startedFile: r.env["STANDIN_STARTED"]}
	o := r.opts(standIn(t, "started.sh"))
	o.Sinks = []Sink{sink}
	out, err := Run(o)
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if len(sink.started) != 1 || sink.childUpEarly {
		t.Fatalf("Started %d times, child already up: %v", len(sink.started), sink.childUpEarly)
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
	good := &fakeSink{startedFile: r.env["STANDIN_STARTED"]}
	bad := []*fakeSink{{bad: "error"}, {bad: "panic"}, {bad: "hang"}}
	o := r.opts(standIn(t, "exit33.sh"))
	o.Sinks = []Sink{bad[0], bad[1], good, bad[2]}
	out, err := Run(o)
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
