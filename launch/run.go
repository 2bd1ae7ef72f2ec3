// Package launch runs one task under Claude Code and records it: the task
// file, the child process and its process group, the stream-json output
// turned into a Markdown session log, the progress display, and the single
// history line written when the child is gone.
package launch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/internal/logindex"
	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sessionlog"
)

// Options is one launch.
type Options struct {
	Task     *Task
	Flags    Settings // from the command line; set fields win over the task's
	Extra    []string // arguments after --, passed on as they are
	Claude   string   // --claude; empty: $CCQ_CLAUDE, then claude on $PATH
	Env      map[string]string
	Cwd      string // ccq's working directory
	LogsDir  string
	Grace    time.Duration
	Progress io.Writer // live progress display (a terminal); nil for none

	// Guard, if set, makes the command that runs Guard (ccq's hidden
	// guardian mode), unstarted; it is called once per attempt, as an
	// exec.Cmd starts only once. Its stdin is set by Run. Without it a
	// launcher killed with SIGKILL leaves its run to the run's own hooks
	// and to the next ccq command.
	Guard func() *exec.Cmd
	// Sinks hear of the run's start and of its history line.
	Sinks []Sink
	// MaxConcurrent, if above 0, bounds the runs of all tasks of LogsDir
	// at once: a launch waits for one of that many slots.
	MaxConcurrent int
	Version       string // ccq's, for the fingerprint; empty: the build's
}

// Setup errors: the run was not started and nothing was recorded.
var ErrSetup = errors.New("setup")

// Run launches the task, waits for it and records it: one attempt, or
// with Settings.Retries a series of them, each a run of its own with its
// own line. A returned error (wrapping ErrSetup) means nothing was run or
// recorded; how the run went is in the Outcome.
//
// Cancelling ctx interrupts the launch: a lock wait or a wait between
// attempts ends at once, and a running claude gets the signal that
// cancelled ctx (see Signals), the run being recorded as ended by it. The
// sinks still hear of the run, each call bounded by its own deadline.
func Run(ctx context.Context, o Options) (*Outcome, error) {
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	s := merge(o.Task.Settings, o.Flags)
	o.Task = withFeedback(o, s)
	dir, err := workDir(o.Cwd, s.Cwd)
	if err != nil {
		return nil, err
	}
	pol := newPolicy(s, time.Now())
	locks, skip, err := acquire(ctx, o, s, pol.deadline)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	if skip != nil {
		return skipped(ctx, o, *skip), nil
	}
	defer locks.release()
	var warnings []string
	if _, err := recorder.CloseStale(o.LogsDir, time.Now()); err != nil {
		warnings = append(warnings, "closing stale runs: "+err.Error())
	}
	out, err := series(ctx, o, s, dir, pol, locks)
	if err != nil {
		return nil, err
	}
	out.Warnings = append(warnings, out.Warnings...)
	return out, nil
}

// workDir is the run's working directory: the task's or flag's cwd,
// relative to ccq's.
func workDir(cwd, set string) (string, error) {
	dir := cwd
	if set != "" {
		dir = set
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cwd, dir)
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%w: working directory %s: not a directory", ErrSetup, dir)
	}
	return dir, nil
}

// attemptOf is where an attempt stands in its series.
type attemptOf struct {
	n       int    // 1 for the first
	retryOf string // the first attempt's run id; "" for the first
	pol     policy
	lock    *fileLock // the task's lock, noted with the run id
}

// retryDecision is what follows an attempt.
type retryDecision struct {
	class  string        // why it may be retried ("" never)
	reason string        // the cause, for people
	retry  bool          // another attempt follows
	wait   time.Duration // after this long
	how    string        // how the wait was chosen, or why no retry
}

// runOnce is one attempt at the task: one run id, one session log, one
// history line.
func runOnce(ctx context.Context, o Options, s Settings, dir string, at attemptOf) (*Outcome, error) {
	a, err := prepare(o, s, dir, at)
	if err != nil {
		return nil, err
	}
	defer a.log.Close()
	a.ctx = ctx
	res := a.supervise()
	rec, recErr := a.record(res)
	return a.report(res, rec, recErr), nil
}

// attempt is one run being launched.
type attempt struct {
	// ctx interrupts the run (see Run); kept here as the attempt is one
	// operation, not a long-lived object.
	ctx      context.Context
	o        Options
	s        Settings
	dir      string // working directory
	runID    string
	start    time.Time
	logPath  string
	log      *sessionlog.Log
	argv     []string
	bin      string // claude, found; empty when lookErr is set
	lookErr  error
	resume   recorder.Offsets // transcript sizes before a resumed run
	stream   *Stream
	guard    *guardian
	warnings []string
	// sinksStarted is closed when the sinks' Started calls have returned
	// or run out of time; startFails are those that failed.
	sinksStarted chan struct{}
	startFails   []sinkFailure

	at       attemptOf
	timeout  time.Duration // this attempt's: the task's, or what is left to --deadline
	deadline bool          // timeout is the deadline's
	extra    map[string]any
	next     retryDecision
	fp       pendingFP // the fingerprint being taken
}

// prepare does what comes before the child: the run id, the session log,
// the run's state, the command line.
func prepare(o Options, s Settings, dir string, at attemptOf) (*attempt, error) {
	a := &attempt{o: o, s: s, dir: dir, start: time.Now(), at: at, timeout: s.Timeout, extra: map[string]any{}}
	a.runID = NewRunID(a.start)
	if d := at.pol.deadline; !d.IsZero() {
		if left := d.Sub(a.start); a.timeout == 0 || left < a.timeout {
			a.timeout, a.deadline = max(left, time.Millisecond), true
		}
	}
	if at.pol.retries > 0 {
		a.extra["attempt"] = at.n
		if at.retryOf != "" {
			a.extra["retry_of"] = at.retryOf
		}
	}
	at.lock.note(a.runID)
	a.logPath = recorder.SessionLogPath(o.LogsDir, a.start.UTC().Format("2006-01-02"), o.Task.Name, a.runID)
	log, err := sessionlog.Create(o.LogsDir, a.logPath)
	if err != nil {
		return nil, fmt.Errorf("%w: session log: %w", ErrSetup, err)
	}
	a.log = log
	ticks, _, _ := proc.Start(os.Getpid())
	ev := recorder.Event{Ev: recorder.EvLaunch, T: a.start.UnixMilli(), Task: o.Task.Name, Log: a.logPath, PID: os.Getpid(), PTicks: ticks}
	if err := recorder.AppendEvent(o.LogsDir, a.runID, ev); err != nil {
		log.Close()
		_ = os.Remove(a.logPath)
		return nil, fmt.Errorf("%w: run state: %v", ErrSetup, err)
	}
	a.argv = schemaArgs(claudeArgs(o.Task.Prompt, s, o.Extra), s)
	// A resumed session appends to an existing transcript. Hooks note where
	// this run's part begins; for a run without hooks, note it here.
	if resumes(a.argv) {
		a.resume = transcriptOffsets(o.Env, dir)
	}
	a.bin, a.lookErr = findClaude(o.Claude, o.Env, o.Cwd)
	a.log.Header(sessionlog.Header{TaskName: o.Task.Name, TaskPath: o.Task.Path, RunID: a.runID, Start: a.start, Command: append([]string{a.argv0()}, a.argv...), Prompt: o.Task.Prompt, Dir: dir, Timeout: a.timeout})
	a.stream = NewStream(a.log)
	a.fingerprintRun()
	return a, nil
}

// argv0 is the claude binary as the log shows it.
func (a *attempt) argv0() string {
	switch {
	case a.bin != "":
		return a.bin
	case a.o.Claude != "":
		return a.o.Claude
	}
	return "claude"
}

func (a *attempt) info() RunInfo {
	return RunInfo{RunID: a.runID, Task: a.o.Task.Name, LogFile: a.logPath, Start: a.start,
		Attempt: a.at.n, RetryOf: a.at.retryOf, WillRetry: a.next.retry}
}

// supervise starts the guardian and the child and watches the child until
// the run is over.
func (a *attempt) supervise() runResult {
	var guard *exec.Cmd
	if a.o.Guard != nil {
		guard = a.o.Guard()
	}
	g, err := startGuard(guard, guardMsg{Logs: a.o.LogsDir, Run: a.runID, Task: a.o.Task.Name, Log: a.logPath, Start: a.start.UnixMilli(), Grace: a.o.Grace})
	if err != nil {
		a.warnings = append(a.warnings, "guardian: "+err.Error())
	}
	a.guard = g
	a.startSinks()
	if a.lookErr != nil {
		return runResult{startErr: a.lookErr}
	}
	return supervise(a.ctx, superviseOptions{
		Bin: a.bin, Argv: a.argv, Dir: a.dir,
		Env:   childEnv(a.o.Env, sinkEnv(a.o.Sinks, a.info()), a.o.Task.Name, a.runID, a.logPath, a.o.LogsDir),
		RunID: a.runID, Timeout: a.timeout, Grace: a.o.Grace, IdleTimeout: a.s.IdleTimeout,
		Output: a.stream, Progress: a.o.Progress, Task: a.o.Task.Name,
		Started: a.childStarted,
	})
}

// childStarted notes claude's process in the run's state, so that no
// reader closes the run while claude lives, and tells the guardian which
// process group to end should the launcher die, and when the run's clock
// started.
func (a *attempt) childStarted(pid int, at time.Time) {
	ticks, _, _ := proc.Start(pid)
	ev := recorder.Event{Ev: recorder.EvChild, T: at.UnixMilli(), PID: pid, PTicks: ticks}
	if err := recorder.AppendEventIfOpen(a.o.LogsDir, a.runID, ev); err != nil {
		a.warnings = append(a.warnings, "run state: "+err.Error())
	}
	// The sinks' annotations are in extra by now, and nothing changes it
	// while claude runs.
	a.guard.send(guardMsg{PID: pid, Start: at.UnixMilli(), Extra: a.extra})
}

// record writes the run's history line and closes the session log.
func (a *attempt) record(res runResult) (recorder.Recorded, error) {
	end := res.end
	if end.IsZero() {
		end = time.Now()
	}
	snap := a.stream.Snapshot()
	ev := evidence(res, snap, a.timeout)
	// The run's clock is claude's: from its start (the launch's own start
	// when it could not be started) to its exit.
	start := res.start
	if start.IsZero() {
		start = a.start
	}
	ev.Task, ev.LogFile, ev.Start, ev.End = a.o.Task.Name, a.logPath, start, end
	switch {
	case res.idle:
		ev.TimeoutDetail = fmt.Sprintf("idle for %v (no output)", a.s.IdleTimeout)
	case res.timedOut && a.deadline:
		ev.TimeoutDetail = fmt.Sprintf("deadline %v passed", a.s.Deadline)
	}
	a.sinksDone()
	a.closeLoop(res, snap, &ev)
	ev.Extra = a.extra
	ev.ReadTranscript = func(r *recorder.Run) *recorder.Transcript {
		return readTranscript(r, snap, a.o.Env, a.dir, a.resume)
	}
	rec, err := recorder.Record(a.o.LogsDir, a.runID, ev, recorder.ByLauncher)
	if err == nil {
		// So that ccq runs asked elsewhere can name this directory; a
		// hint only, so its failure is no warning.
		_ = logindex.Note(a.o.Env, a.o.LogsDir)
	}
	a.decide(res, rec.Entry, snap, end)
	if gerr := a.guard.done(); gerr != nil {
		a.warnings = append(a.warnings, "guardian not started: "+gerr.Error())
	}
	if rec.StateErr != nil {
		a.warnings = append(a.warnings, "run state: "+rec.StateErr.Error())
	}
	note := ""
	if err != nil {
		note = "history line not written: " + err.Error()
	}
	a.log.Footer(&rec.Entry, note)
	switch n := a.next; {
	case n.retry:
		a.log.Note(fmt.Sprintf("attempt %d failed for a transient reason (%s): attempt %d follows after %v, %s", a.at.n, n.reason, a.at.n+1, n.wait.Round(time.Millisecond), n.how))
	case n.class != "" && n.how != "":
		a.log.Note(fmt.Sprintf("not retried (%s): %s", n.reason, n.how))
	}
	if err := a.log.Close(); err != nil {
		a.warnings = append(a.warnings, "session log: "+err.Error())
	}
	return rec, err
}

// evidence is what the launcher saw of the run.
func evidence(res runResult, snap Snapshot, timeout time.Duration) recorder.Evidence {
	ev := recorder.Evidence{
		Launched:    true,
		StartErr:    res.startErr,
		TimedOut:    res.timedOut,
		Timeout:     timeout,
		Result:      snap.Result,
		OutputBytes: snap.OutputBytes,
		LastOutput:  snap.LastOutput,
	}
	if res.startErr == nil {
		ev.ExitKnown, ev.ExitCode = true, res.exitCode
		if res.forwarded != nil {
			ev.Signal = SignalName(res.forwarded)
		} else if res.killedBy != nil && !res.timedOut {
			ev.Signal = SignalName(res.killedBy)
		}
	}
	return ev
}

// decide says whether the attempt is retried, and after how long.
func (a *attempt) decide(res runResult, e recorder.Entry, snap Snapshot, end time.Time) {
	out := res.outcome()
	out.Entry, out.Deadline = e, res.timedOut && a.deadline && !res.idle
	class, reason := retryCause(out, snap)
	d := retryDecision{class: class, reason: reason}
	if class != "" && a.at.pol.retries > 0 {
		var hint resetHint
		var have bool
		if class == RetryTransient {
			tr := ""
			if snap.SessionID != "" {
				cwd := snap.Cwd
				if cwd == "" {
					cwd = a.dir
				}
				tr = TranscriptPath(a.o.Env, cwd, snap.SessionID)
			}
			hint, have = resetTime(snap, tr, end)
		}
		d.wait, d.retry, d.how = a.at.pol.nextWait(a.at.n, class, hint, have, time.Now(), jitter)
	}
	a.next = d
}

// report tells the sinks and the caller how the run went.
func (a *attempt) report(res runResult, rec recorder.Recorded, recErr error) *Outcome {
	fails := notifySinks(a.ctx, a.o.Sinks, func(ctx context.Context, s Sink) error {
		return s.Finished(ctx, a.info(), rec.Entry)
	})
	if len(fails) > 0 {
		// The line is written; the session log keeps what went wrong.
		if l, err := sessionlog.Append(a.logPath); err == nil {
			for _, f := range fails {
				l.Note(f.warning("finished"))
			}
			l.Close()
		}
	}
	a.warnings = append(a.warnings, warnings(fails, "finished")...)
	out := res.outcome()
	out.Entry, out.RecordErr, out.Warnings = rec.Entry, recErr, a.warnings
	out.Attempt, out.next = a.at.n, a.next
	if !rec.Entry.Success {
		out.ClientSaid = a.stream.Snapshot().ClientError()
	}
	out.Deadline = res.timedOut && a.deadline && !res.idle
	return out
}
