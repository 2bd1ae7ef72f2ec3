package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Input is what the checks look at and where commands run.
type Input struct {
	Dir    string   // the run's working directory
	Env    []string // the commands' environment (the run's CCQ_* included)
	Result string   // the final result text, also the commands' stdin
	// Structured is the structured output the result carried
	// (structured_output), nil when there was none.
	Structured json.RawMessage
	Grace      time.Duration // SIGTERM to SIGKILL; DefaultGrace when 0
}

// Check is one check's outcome.
type Check struct {
	Name     string // "expect", "expect_not", "output_schema", "verify[1]"
	What     string // the command or pattern checked
	Passed   bool
	Why      string // why it failed: "exit status 3", "no match"
	Output   string // the command's output, bounded; the schema's errors
	TimedOut bool
	Took     time.Duration
}

// Report is how verification went. Checks stop at the first failure: a
// later command may depend on what an earlier one found.
type Report struct {
	Checks []Check
}

// Passed reports whether every check passed (true for no checks).
func (r Report) Passed() bool { return r.Failed() == nil }

// Failed is the failed check, nil if none.
func (r Report) Failed() *Check {
	for i := range r.Checks {
		if !r.Checks[i].Passed {
			return &r.Checks[i]
		}
	}
	return nil
}

// maxDetailLines bounds the output lines in Detail.
const maxDetailLines = 3

// Detail is the history line's error_detail for a failed verification:
// "verify: verify[2] `make test`: exit status 1: FAIL ...". Empty when all
// passed.
func (r Report) Detail() string {
	c := r.Failed()
	if c == nil {
		return ""
	}
	d := "verify: " + c.Name
	if c.What != "" {
		d += " `" + shorten(c.What, 80) + "`"
	}
	d += ": " + c.Why
	if out := firstLines(c.Output, maxDetailLines); out != "" {
		d += ": " + out
	}
	return d
}

// Run runs the checks of spec, cheap ones first: expect, expect_not, the
// schema, then each command in order. A deadline on ctx (the run's own:
// its timeout or --deadline) bounds every command beside its timeout: a
// command it cuts is a timeout like one that hung, and a command left
// no time is not started.
func Run(ctx context.Context, spec *Spec, in Input) Report {
	var rep Report
	if spec.Empty() {
		return rep
	}
	add := func(c Check) bool {
		rep.Checks = append(rep.Checks, c)
		return c.Passed
	}
	if spec.Expect != nil {
		c := Check{Name: "expect", What: spec.Expect.String(), Passed: spec.Expect.MatchString(in.Result)}
		if !c.Passed {
			c.Why, c.Output = "the result does not match", tail(in.Result, 300)
		}
		if !add(c) {
			return rep
		}
	}
	if spec.ExpectNot != nil {
		c := Check{Name: "expect_not", What: spec.ExpectNot.String(), Passed: true}
		if m := spec.ExpectNot.FindString(in.Result); spec.ExpectNot.MatchString(in.Result) {
			c.Passed, c.Why = false, fmt.Sprintf("the result matches (%q)", shorten(m, 80))
		}
		if !add(c) {
			return rep
		}
	}
	if spec.Schema != nil && !add(checkSchema(spec, in.Structured)) {
		return rep
	}
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	for i, cmd := range spec.Commands {
		c := runCommand(ctx, cmd, timeout, in)
		c.Name = fmt.Sprintf("verify[%d]", i+1)
		if !add(c) {
			return rep
		}
	}
	return rep
}

func checkSchema(spec *Spec, out json.RawMessage) Check {
	c := Check{Name: "output_schema", What: spec.SchemaPath}
	if len(bytes.TrimSpace(out)) == 0 || string(bytes.TrimSpace(out)) == "null" {
		c.Why = "no structured output"
		return c
	}
	if c.Why, c.Output = spec.Schema.Validate(out); c.Why != "" {
		return c
	}
	c.Passed = true
	return c
}

// runCommand runs one verify command with sh -c in its own process group,
// for timeout or until ctx's deadline, whichever comes first.
func runCommand(ctx context.Context, command string, timeout time.Duration, in Input) Check {
	c := Check{What: command}
	grace := in.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	why := "timed out after %v"
	if end, ok := ctx.Deadline(); ok {
		if left := time.Until(end); left < timeout {
			timeout, why = left.Round(time.Millisecond), "timed out after %v (the run's deadline)"
		}
	}
	if timeout <= 0 {
		c.TimedOut, c.Why = true, "not run: the run's deadline had passed"
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir, cmd.Env = in.Dir, in.Env
	cmd.Stdin = strings.NewReader(in.Result)
	out := newBounded(maxKeep)
	cmd.Stdout, cmd.Stderr = out, out
	ownGroup(cmd, grace)
	// A grandchild that keeps the output pipe open cannot keep us waiting.
	cmd.WaitDelay = grace + time.Second
	start := time.Now()
	err := cmd.Run()
	c.Took = time.Since(start)
	killGroup(cmd)
	c.Output = out.String()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		c.TimedOut = true
		c.Why = fmt.Sprintf(why, timeout)
	case err == nil || errors.Is(err, exec.ErrWaitDelay):
		// A background process kept the output open after the command
		// exited 0: the command passed; its leftovers were killed.
		c.Passed = true
	default:
		c.Why = exitWhy(err, c.Output)
	}
	return c
}

// exitWhy says why a command failed: its exit status, and for sh's own
// "not found" (127) and "cannot execute" (126) codes, in words.
func exitWhy(err error, output string) string {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err.Error()
	}
	switch ee.ExitCode() {
	case 127:
		return "command not found (exit status 127)"
	case 126:
		return "command not executable (exit status 126)"
	}
	return ee.String()
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// firstLines is up to n non-blank lines of s joined with " / ".
func firstLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, shorten(l, 160))
			if len(out) == n {
				break
			}
		}
	}
	return strings.Join(out, " / ")
}

// tail is the last n bytes of s, on a character boundary.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && s[i]&0xC0 == 0x80 {
		i++
	}
	return "…" + s[i:]
}
