package helper

import (
	"bytes"
	"context"
	"errors"

	"github.com/ccq-dev/ccq/internal/idhash"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// Sinks are the helper's sinks as launch sinks, one per sink it set up,
// each with the sink's own name, so that a failure of one is reported, as
// for a local sink, under its name. They share the one helper process.
func (c *Client) Sinks() []launch.Sink {
	var out []launch.Sink
	for _, name := range c.hello.Sinks {
		out = append(out, &remote{c: c, name: name, traceParent: name == SinkOTLP && c.hello.TraceParent})
	}
	return out
}

// remote is one of the helper's sinks.
type remote struct {
	c           *Client
	name        string
	traceParent bool
}

var (
	_ launch.Sink      = (*remote)(nil)
	_ launch.Namer     = (*remote)(nil)
	_ launch.Skipper   = (*remote)(nil)
	_ launch.Enver     = (*remote)(nil)
	_ launch.Annotator = (*remote)(nil)
)

// Annotate puts the ping's rid into the run's line as "ping_rid": ccq
// derives it from the run id as the helper's ping does.
func (r *remote) Annotate(run launch.RunInfo) map[string]any {
	if r.name != SinkPing || run.RunID == "" {
		return nil
	}
	return map[string]any{"ping_rid": idhash.RunUUID(run.RunID)}
}

func (r *remote) SinkName() string { return r.name }

func (r *remote) Started(ctx context.Context, run launch.RunInfo) error {
	if err := r.c.setupErr(ctx, r.name); err != nil {
		return err
	}
	w := wireRun(run)
	return r.result(r.c.event(ctx, eventKey(EventStarted, w), Request{Event: EventStarted, Run: w}))
}

func (r *remote) Finished(ctx context.Context, run launch.RunInfo, e recorder.Entry) error {
	if err := r.c.setupErr(ctx, r.name); err != nil {
		return err
	}
	line, err := e.Marshal()
	if err != nil {
		return err
	}
	w := wireRun(run)
	return r.result(r.c.event(ctx, eventKey(EventFinished, w),
		Request{Event: EventFinished, Run: w, Entry: bytes.TrimRight(line, "\n")}))
}

func (r *remote) Skipped(ctx context.Context, task, reason string) error {
	if err := r.c.setupErr(ctx, r.name); err != nil {
		return err
	}
	return r.result(r.c.event(ctx, EventSkipped+"\x00"+task, Request{Event: EventSkipped, Task: task, Reason: reason}))
}

// ChildEnv is TRACEPARENT when the helper's OTLP sink sends spans: ccq
// derives it from the run id as the sink does, without the helper.
func (r *remote) ChildEnv(run launch.RunInfo) map[string]string {
	if !r.traceParent || run.RunID == "" {
		return nil
	}
	return map[string]string{"TRACEPARENT": TraceParent(run.RunID)}
}

func (r *remote) result(errs map[string]string, err error) error {
	if err != nil {
		return err
	}
	if m := errs[r.name]; m != "" {
		return errors.New(m)
	}
	return nil
}

// TraceParent is the W3C traceparent of a run's span, derived from the
// run id alone exactly as sinks/otlp derives the ids of the span it sends
// (internal/idhash), so that Claude Code's spans join it.
func TraceParent(runID string) string { return idhash.TraceParent(runID) }
