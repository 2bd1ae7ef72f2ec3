package helper

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
		if err := launch.Protect(func() error { return set.Check(ctx, req.Text) }); err != nil {
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

// callAll calls every sink at once (launch.CallAll) and returns, by the
// deadline of ctx, the errors by name; a sink still busy then has failed.
func callAll(ctx context.Context, sinks []NamedSink, call func(context.Context, NamedSink) error) map[string]string {
	out := map[string]string{}
	for i, err := range launch.CallAll(ctx, sinks, call) {
		if err != nil {
			out[sinks[i].Name] = err.Error()
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
