package launch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/recorder"
)

// RunInfo names a run for the sinks.
type RunInfo struct {
	RunID   string
	Task    string
	LogFile string    // the session log
	Start   time.Time // when the launcher started the run

	// Attempt is the attempt's number, 1 for the first; each attempt is a
	// run of its own. RetryOf is the first attempt's run id ("" for the
	// first). WillRetry, in Finished, says this attempt failed and
	// another follows: the failure is not the launch's last word.
	Attempt   int
	RetryOf   string
	WillRetry bool
}

// Skipper is a sink that hears of a launch that started nothing (another
// run of the task held its lock): Skipped is called instead of Started and
// Finished.
type Skipper interface {
	Skipped(ctx context.Context, task, reason string) error
}

// Annotator is a sink that adds keys to each run's history line (a ping's
// rid). Annotate is called before the line is written and must not block.
type Annotator interface {
	Annotate(run RunInfo) map[string]any
}

// Enver is a sink that adds variables to claude's environment for a run
// (TRACEPARENT, so Claude Code's own telemetry joins the run's trace).
// ccq's own CCQ_* variables cannot be overridden.
type Enver interface {
	ChildEnv(run RunInfo) map[string]string
}

// sinkEnv gathers what the sinks add to claude's environment.
func sinkEnv(sinks []Sink, run RunInfo) map[string]string {
	var m map[string]string
	for _, s := range sinks {
		e, ok := s.(Enver)
		if !ok {
			continue
		}
		for k, v := range e.ChildEnv(run) {
			if m == nil {
				m = map[string]string{}
			}
			m[k] = v
		}
	}
	return m
}

// Namer is a sink with a short name ("ping"): its warnings use it, and a
// failure of its Started becomes the extra "<name>_error" of the line
// (only a named sink's: an unnamed one cannot touch the line).
type Namer interface {
	SinkName() string
}

// sinkName is a sink's name for warnings and extras.
func sinkName(s Sink) string {
	if n, ok := s.(Namer); ok {
		return n.SinkName()
	}
	return fmt.Sprintf("%T", s)
}

// sinkFailure is a sink that failed, panicked or did not answer in time.
type sinkFailure struct {
	sink Sink
	err  error
}

func (f sinkFailure) warning(what string) string {
	return fmt.Sprintf("sink %s: %s: %v", sinkName(f.sink), what, f.err)
}

func warnings(fails []sinkFailure, what string) []string {
	var out []string
	for _, f := range fails {
		out = append(out, f.warning(what))
	}
	return out
}

// Sink is how a run leaves the launcher: a healthchecks ping, a desktop
// notification, a metrics file. The launcher tells every sink in
// Options.Sinks that a run starts and, once the run's history line is
// written, what that line says.
//
// Started runs beside claude, which does not wait for it: the run's clock
// starts when claude does, so a sink cannot spend the run's timeout or
// add to its duration. Finished comes only once the run's Started has
// returned or run out of time, so a service never hears a run's start
// after its end.
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
// returned or sinkTimeout has passed. It returns each sink that failed,
// panicked or did not return in time. A cancelled ctx (the launch was
// interrupted) does not cut them short: the run they report on is real.
func notifySinks(ctx context.Context, sinks []Sink, call func(context.Context, Sink) error) []sinkFailure {
	if len(sinks) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sinkTimeout)
	defer cancel()
	var fails []sinkFailure
	for i, err := range CallAll(ctx, sinks, call) {
		if errors.Is(err, ErrNoAnswer) {
			err = fmt.Errorf("no answer within %v", sinkTimeout)
		}
		if err != nil {
			fails = append(fails, sinkFailure{sinks[i], err})
		}
	}
	return fails
}

// ErrNoAnswer is CallAll's error for a call still running at the deadline.
var ErrNoAnswer = errors.New("no answer in time")

// CallAll calls call on every item at once, each guarded against a panic,
// and returns by ctx's deadline the error of each, in order: nil when the
// call succeeded, ErrNoAnswer when it had not returned by then (it goes on
// in the background). The launcher's sinks and ccq-helper's go through it.
func CallAll[T any](ctx context.Context, items []T, call func(context.Context, T) error) []error {
	var mu sync.Mutex // a late call may still report while errs are read
	errs := make([]error, len(items))
	for i := range errs {
		errs[i] = ErrNoAnswer
	}
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := Protect(func() error { return call(ctx, it) })
			mu.Lock()
			errs[i] = err
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
	return append([]error(nil), errs...)
}

// Protect calls f, turning a panic into an error: a sink never takes the
// launcher (or ccq-helper) down with it.
func Protect(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}

// startSinks tells the sinks the run starts, without waiting for them:
// claude starts at once, and a dead or slow endpoint costs the run nothing
// of its timeout or its duration. The keys annotating sinks add go into
// the line; see sinksDone for the rest.
func (a *attempt) startSinks() {
	a.sinksStarted = make(chan struct{})
	if len(a.o.Sinks) == 0 {
		close(a.sinksStarted)
		return
	}
	info := a.info()
	for _, s := range a.o.Sinks {
		if an, ok := s.(Annotator); ok {
			for k, v := range annotate(an, info) {
				a.extra[k] = v
			}
		}
	}
	go func() {
		defer close(a.sinksStarted)
		a.startFails = notifySinks(a.ctx, a.o.Sinks, func(ctx context.Context, s Sink) error { return s.Started(ctx, info) })
	}()
}

// sinksDone waits for the sinks' Started calls, which notifySinks bounds
// by sinkTimeout from their start: the run's clock has stopped by then,
// and a sink's Finished must not overtake its Started (a late /start
// would mark a finished check as running again). A sink that failed is
// noted in the session log and, by name, in the line ("ping_error").
func (a *attempt) sinksDone() {
	<-a.sinksStarted
	for _, f := range a.startFails {
		if n, ok := f.sink.(Namer); ok {
			a.extra[n.SinkName()+"_error"] = clamp.String(f.err.Error(), 300)
		}
		a.log.Note(f.warning("started"))
	}
	a.warnings = append(a.warnings, warnings(a.startFails, "started")...)
}

// annotate calls an Annotator, turning a panic into no keys.
func annotate(an Annotator, info RunInfo) (m map[string]any) {
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	return an.Annotate(info)
}
