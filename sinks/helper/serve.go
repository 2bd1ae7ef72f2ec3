package helper

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/launch"
)

// Set is what the helper set up from hello's configuration.
type Set struct {
	Sinks       []NamedSink
	TraceParent bool                                         // the OTLP sink sends spans
	Check       func(ctx context.Context, text string) error // notify's, for ccq check (may be nil)
	Close       func()                                       // at the end (may be nil)
}

// NamedSink is a sink with its name on the wire.
type NamedSink struct {
	Name string
	launch.Sink
}

// Setup builds the Set from hello's configuration; errors maps a sink's
// name to why it could not be set up.
type Setup func(Config) (set *Set, errors map[string]string)

// Serve is the helper's side of the protocol: it answers the requests on
// r with replies on w until r ends, then closes the set. A request is
// answered within the time it names, less a margin for the way back.
func Serve(r io.Reader, w io.Writer, setup Setup) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	enc := json.NewEncoder(w)
	var set *Set
	defer func() {
		if set != nil && set.Close != nil {
			set.Close()
		}
	}()
	for sc.Scan() {
		var req Request
		rep := Reply{V: Version}
		switch err := json.Unmarshal(sc.Bytes(), &req); {
		case err != nil:
			return fmt.Errorf("request: %w", err)
		case req.V != Version:
			rep.ID, rep.Error = req.ID, "version"
		case req.Event == EventHello && set == nil && req.Config != nil:
			var errs map[string]string
			set, errs = setup(*req.Config)
			rep.ID, rep.Errors = req.ID, errs
			for _, s := range set.Sinks {
				rep.Sinks = append(rep.Sinks, s.Name)
			}
			rep.TraceParent = set.TraceParent
		case set == nil:
			rep.ID, rep.Error = req.ID, "hello first"
		default:
			rep = answer(set, req)
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return sc.Err()
}

// answer calls the set's sinks for one event, all at once, and waits for
// them until the request's deadline.
func answer(set *Set, req Request) Reply {
	rep := Reply{V: Version, ID: req.ID}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout-min(timeout/10, 200*time.Millisecond))
	defer cancel()
	var call func(context.Context, NamedSink) error
	switch req.Event {
	case EventStarted:
		info := req.Run.Info()
		call = func(ctx context.Context, s NamedSink) error { return s.Started(ctx, info) }
	case EventFinished:
		e, err := DecodeEntry(req.Entry)
		if err != nil {
			rep.Error = err.Error()
			return rep
		}
		info := req.Run.Info()
		call = func(ctx context.Context, s NamedSink) error { return s.Finished(ctx, info, e) }
	case EventSkipped:
		call = func(ctx context.Context, s NamedSink) error {
			if sk, ok := s.Sink.(launch.Skipper); ok {
				return sk.Skipped(ctx, req.Task, req.Reason)
			}
			return nil
		}
	case EventCheck:
		if set.Check == nil {
			rep.Error = "no notify sink"
			return rep
		}
		if err := protect(func() error { return set.Check(ctx, req.Text) }); err != nil {
			rep.Errors = map[string]string{SinkNotify: err.Error()}
		}
		return rep
	default:
		rep.Error = fmt.Sprintf("unknown event %q", req.Event)
		return rep
	}
	rep.Errors = callAll(ctx, set.Sinks, call)
	return rep
}

// callAll calls every sink at once and returns, by the deadline of ctx,
// the errors by name; a sink still busy then has failed.
func callAll(ctx context.Context, sinks []NamedSink, call func(context.Context, NamedSink) error) map[string]string {
	var mu sync.Mutex
	errs := map[string]string{}
	for _, s := range sinks {
		errs[s.Name] = "no answer in time"
	}
	var wg sync.WaitGroup
	for _, s := range sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := protect(func() error { return call(ctx, s) })
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[s.Name] = err.Error()
			} else {
				delete(errs, s.Name)
			}
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
	if len(errs) == 0 {
		return nil
	}
	out := make(map[string]string, len(errs))
	for k, v := range errs {
		out[k] = v
	}
	return out
}

// protect turns a panic into an error.
func protect(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}
