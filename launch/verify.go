package launch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/verify"
)

// MaxFeedback bounds feedback: the number of past runs a digest covers.
const MaxFeedback = 50

// setVerifyKey sets one of the keys that close the loop: the checks of
// package verify and feedback. A pattern or schema that does not compile
// fails here, at parse time, naming the task file and line.
func setVerifyKey(t *Task, key string, v ast.Node) error {
	s := &t.Settings
	if s.Verify == nil {
		s.Verify = &verify.Spec{}
	}
	var err error
	switch key {
	case "verify":
		s.Verify.Commands, err = decodeList(v)
		if err == nil && len(s.Verify.Commands) == 0 {
			err = errors.New("want one or more shell commands")
		}
	case "verify_timeout":
		s.Verify.Timeout, err = decodeDuration(v, "verify_timeout")
	case "expect", "expect_not":
		var pat string
		if err = decodeScalar(v, &pat); err == nil {
			re, cerr := verify.CompileRegexp(pat)
			if key == "expect" {
				s.Verify.Expect = re
			} else {
				s.Verify.ExpectNot = re
			}
			err = cerr
		}
	case "output_schema":
		var path string
		if err = decodeScalar(v, &path); err == nil {
			s.Verify.Schema, s.Verify.SchemaJSON, s.Verify.SchemaPath, err = verify.LoadSchema(path, filepath.Dir(t.Path))
		}
	case "feedback":
		if err = decodeScalar(v, &s.Feedback); err == nil {
			err = CheckFeedback(s.Feedback)
		}
	}
	return err
}

// CheckFeedback says what is wrong with a number of runs to feed back.
func CheckFeedback(n int) error {
	if n < 0 || n > MaxFeedback {
		return fmt.Errorf("feedback %d: want 0 to %d past runs", n, MaxFeedback)
	}
	return nil
}

// schemaArgs passes the task's output schema to claude, which then offers
// the model a StructuredOutput tool and prints its input as the result's
// structured_output (Claude Code 2.1.328).
func schemaArgs(argv []string, s Settings) []string {
	if s.Verify == nil || s.Verify.SchemaJSON == "" {
		return argv
	}
	return append(argv[:len(argv):len(argv)], "--json-schema", s.Verify.SchemaJSON)
}

// verify runs the task's checks when claude succeeded, notes them in the
// session log and, when one failed, in the evidence: the line becomes a
// failure that says which check and why.
func (a *attempt) verify(res runResult, snap Snapshot, ev *recorder.Evidence) {
	spec := a.s.Verify
	if spec.Empty() {
		return
	}
	if et, _ := recorder.Classify(*ev); et != recorder.ErrNone {
		return // claude failed on its own: nothing to verify
	}
	in := verify.Input{
		Dir:        a.dir,
		Env:        childEnv(a.o.Env, sinkEnv(a.o.Sinks, a.info()), a.o.Task.Name, a.runID, a.logPath, a.o.LogsDir),
		Result:     snap.ResultText,
		Structured: snap.StructuredOutput,
		Grace:      min(a.o.Grace, verify.DefaultGrace),
	}
	start := time.Now()
	ctx, cancel := a.checksContext(res)
	defer cancel()
	rep := verify.Run(ctx, spec, in)
	title := "Verification: passed"
	if !rep.Passed() {
		title = "Verification: failed"
		ev.VerifyFailed = rep.Detail()
	}
	a.log.Section(title, rep.Markdown()+fmt.Sprintf("\n_%d check(s) in %v_", len(rep.Checks), time.Since(start).Round(time.Millisecond)))
	a.extra["verified"] = rep.Passed()
}

// checksContext bounds the checks by the run's own end: claude's start
// plus the attempt's timeout (the task's, or what --deadline left it), and
// --deadline itself. A run with 10 s left does not start a 5-minute
// check; each check's timeout still applies when it is shorter.
func (a *attempt) checksContext(res runResult) (context.Context, context.CancelFunc) {
	var end time.Time
	if a.timeout > 0 && !res.start.IsZero() {
		end = res.start.Add(a.timeout)
	}
	if d := a.at.pol.deadline; !d.IsZero() && (end.IsZero() || d.Before(end)) {
		end = d
	}
	if end.IsZero() {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), end)
}

// structuredOutput is the result line's structured_output, raw.
func structuredOutput(raw string) json.RawMessage {
	if raw == "" {
		return nil
	}
	return json.RawMessage(raw)
}
