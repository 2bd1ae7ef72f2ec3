package launch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// RunInfo names a run for the sinks.
type RunInfo struct {
	RunID   string
	Task    string
	LogFile string    // the session log
	Start   time.Time // when the launcher started the run
}

// Sink is how a run leaves the launcher: a healthchecks ping, a desktop
// notification, a metrics file. The launcher tells every sink in
// Options.Sinks that a run starts (before claude is started) and, once the
// run's history line is written, what that line says.
//
// A sink owns its timeouts and its errors. What it does cannot change the
// run, its exit code or its history line: an error it returns, or a panic,
// becomes a warning, and a sink still busy when ctx is done is left behind
// (ctx carries the deadline sinkTimeout).
type Sink interface {
	Started(ctx context.Context, run RunInfo) error
	// Finished gets the entry as written to the history (or, if writing
	// failed, as it would have been).
	Finished(ctx context.Context, run RunInfo, e recorder.Entry) error
}

// sinkTimeout is the most the launcher waits for its sinks, at the start
// and at the end of a run, all sinks together.
var sinkTimeout = 10 * time.Second

// notifySinks calls call on every sink at once and waits until all have
// returned or sinkTimeout has passed. It returns a warning for each sink
// that failed, panicked or did not return in time.
func notifySinks(sinks []Sink, what string, call func(context.Context, Sink) error) []string {
	if len(sinks) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), sinkTimeout)
	defer cancel()
	type result struct {
		err      error
		returned bool
	}
	var mu sync.Mutex // a late sink may still report while warnings are made
	results := make([]result, len(sinks))
	var wg sync.WaitGroup
	for i, s := range sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := callSink(ctx, s, call)
			mu.Lock()
			results[i] = result{err, true}
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	var warnings []string
	for i, s := range sinks {
		err := results[i].err
		if !results[i].returned {
			err = fmt.Errorf("no answer within %v", sinkTimeout)
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("sink %T: %s: %v", s, what, err))
		}
	}
	return warnings
}

// callSink calls call, turning a panic into an error.
func callSink(ctx context.Context, s Sink, call func(context.Context, Sink) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return call(ctx, s)
}
