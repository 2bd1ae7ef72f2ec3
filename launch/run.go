// Package launch runs one task under Claude Code and records it: the task
// file, the child process and its process group, the stream-json output
// turned into a Markdown session log, the progress display, and the single
// history line written when the child is gone.
package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
)

// Environment variables the launcher reads or sets, besides recorder's.
const (
	EnvClaude          = "CCQ_CLAUDE" // claude binary when --claude is not given
	EnvClaudeConfigDir = "CLAUDE_CONFIG_DIR"
	Entrypoint         = "ccq-scheduler" // CLAUDE_CODE_ENTRYPOINT of launched runs
)

// DefaultGrace is how long the run's processes get between SIGTERM and
// SIGKILL: enough for Claude Code's SessionEnd hooks (1.5 s budget by
// default) and its own shutdown.
const DefaultGrace = 10 * time.Second

// drainTimeout bounds the wait for the output pipe to reach its end once the
// run's process group is gone: only a process that left the group can still
// hold it open, and ccq does not wait for that one.
const drainTimeout = 500 * time.Millisecond

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
}

// Outcome is how a launch ended.
type Outcome struct {
	Entry    recorder.Entry
	ExitCode int   // what ccq should exit with
	StartErr error // claude could not be started
	// RecordErr is a failure to write the history line. It does not change
	// ExitCode: the run's result stays the run's result.
	RecordErr error
	Warnings  []string
}

// Setup errors: the run was not started and nothing was recorded.
var ErrSetup = errors.New("setup")

// Run launches the task, waits for it and records it.
func Run(o Options) (*Outcome, error) {
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	out := &Outcome{}
	if _, err := recorder.CloseStale(o.LogsDir, time.Now()); err != nil {
		out.Warnings = append(out.Warnings, "closing stale runs: "+err.Error())
	}
	s := merge(o.Task.Settings, o.Flags)
	dir := o.Cwd
	if s.Cwd != "" {
		dir = s.Cwd
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(o.Cwd, dir)
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: working directory %s: not a directory", ErrSetup, dir)
	}

	start := time.Now()
	runID := NewRunID(start)
	logPath := recorder.SessionLogPath(o.LogsDir, start.UTC().Format("2006-01-02"), o.Task.Name, runID)
	slog, err := CreateSessionLog(logPath)
	if err != nil {
		return nil, fmt.Errorf("%w: session log: %v", ErrSetup, err)
	}
	defer slog.Close()
	ticks, _, _ := proc.Start(os.Getpid())
	launchEv := recorder.Event{Ev: recorder.EvLaunch, T: start.UnixMilli(), Task: o.Task.Name, Log: logPath, PID: os.Getpid(), PTicks: ticks}
	if err := recorder.AppendEvent(o.LogsDir, runID, launchEv); err != nil {
		slog.Close()
		_ = os.Remove(logPath)
		return nil, fmt.Errorf("%w: run state: %v", ErrSetup, err)
	}

	argv := claudeArgs(o.Task.Prompt, s, o.Extra)
	// A resumed session appends to an existing transcript. Hooks note where
	// this run's part begins; for a run without hooks, note it here.
	var resumeOff recorder.Offsets
	if resumes(argv) {
		resumeOff = transcriptOffsets(o.Env, dir)
	}
	bin, lookErr := findClaude(o.Claude, o.Env, o.Cwd)
	argv0 := bin
	if argv0 == "" {
		argv0 = o.Claude
		if argv0 == "" {
			argv0 = "claude"
		}
	}
	slog.Header(Header{Task: o.Task, RunID: runID, Start: start, Command: append([]string{argv0}, argv...), Prompt: o.Task.Prompt, Dir: dir, Timeout: s.Timeout})

	stream := NewStream(slog)
	sup := &supervisor{grace: o.Grace, timeout: s.Timeout, runID: runID}
	var res runResult
	if lookErr != nil {
		res.startErr = lookErr
	} else {
		env := childEnv(o.Env, o.Task.Name, runID, logPath, o.LogsDir)
		res = sup.run(bin, argv, dir, env, stream, o.Progress, o.Task.Name, start)
	}
	end := res.end
	if end.IsZero() {
		end = time.Now()
	}

	snap := stream.Snapshot()
	ev := recorder.Evidence{
		Launched:    true,
		StartErr:    res.startErr,
		TimedOut:    res.timedOut,
		Timeout:     s.Timeout,
		Result:      snap.Result,
		OutputBytes: snap.OutputBytes,
	}
	if res.startErr == nil {
		ev.ExitKnown, ev.ExitCode = true, res.exitCode
		if res.forwarded != nil {
			ev.Signal = SignalName(res.forwarded)
		} else if res.killedBy != nil && !res.timedOut {
			ev.Signal = SignalName(res.killedBy)
		}
	}

	ev.Task, ev.LogFile, ev.Start, ev.End = o.Task.Name, logPath, start, end
	ev.ReadTranscript = func(r *recorder.Run) *recorder.Transcript {
		return readTranscript(r, snap, o.Env, dir, resumeOff)
	}
	rec, recErr := recorder.Record(o.LogsDir, runID, ev, recorder.ByLauncher)
	e := rec.Entry
	out.RecordErr = recErr
	if rec.StateErr != nil {
		out.Warnings = append(out.Warnings, "run state: "+rec.StateErr.Error())
	}
	note := ""
	if out.RecordErr != nil {
		note = "history line not written: " + out.RecordErr.Error()
	}
	slog.Footer(&e, note)
	if err := slog.Close(); err != nil {
		out.Warnings = append(out.Warnings, "session log: "+err.Error())
	}

	out.Entry = e
	out.StartErr = res.startErr
	switch {
	case res.startErr != nil:
		out.ExitCode = 127
	case res.timedOut:
		out.ExitCode = 124
	case res.forwarded != nil:
		out.ExitCode = 128 + signalNumber(res.forwarded)
	case res.killedBy != nil:
		out.ExitCode = 128 + signalNumber(res.killedBy)
	default:
		out.ExitCode = res.exitCode
	}
	return out, nil
}

// merge lays the flags over the task's settings.
func merge(task, flags Settings) Settings {
	s := task
	if flags.Timeout > 0 {
		s.Timeout = flags.Timeout
	}
	if flags.Model != "" {
		s.Model = flags.Model
	}
	if flags.MaxTurns > 0 {
		s.MaxTurns = flags.MaxTurns
	}
	if flags.PermissionMode != "" {
		s.PermissionMode = flags.PermissionMode
	}
	if len(flags.AllowedTools) > 0 {
		s.AllowedTools = flags.AllowedTools
	}
	if len(flags.DisallowedTools) > 0 {
		s.DisallowedTools = flags.DisallowedTools
	}
	if flags.Cwd != "" {
		s.Cwd = flags.Cwd
	}
	s.Args = append(append([]string(nil), task.Args...), flags.Args...)
	return s
}

// claudeArgs is the command line after the binary.
func claudeArgs(prompt string, s Settings, extra []string) []string {
	a := []string{"-p", prompt, "--output-format", "stream-json", "--verbose"}
	if s.Model != "" {
		a = append(a, "--model", s.Model)
	}
	if s.MaxTurns > 0 {
		a = append(a, "--max-turns", strconv.Itoa(s.MaxTurns))
	}
	if s.PermissionMode != "" {
		a = append(a, "--permission-mode", s.PermissionMode)
	}
	if len(s.AllowedTools) > 0 {
		a = append(a, "--allowedTools", strings.Join(s.AllowedTools, ","))
	}
	if len(s.DisallowedTools) > 0 {
		a = append(a, "--disallowedTools", strings.Join(s.DisallowedTools, ","))
	}
	a = append(a, s.Args...)
	return append(a, extra...)
}

// findClaude picks the binary: the flag, then $CCQ_CLAUDE, then claude on
// the PATH of env.
func findClaude(flag string, env map[string]string, cwd string) (string, error) {
	name := flag
	if name == "" {
		name = env[EnvClaude]
	}
	if name == "" {
		name = "claude"
	}
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			name = filepath.Join(cwd, name)
		}
		if err := executable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	for _, d := range filepath.SplitList(env["PATH"]) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in $PATH", name)
}

func executable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: not an executable file", p)
	}
	return nil
}

// childEnv is ccq's environment plus what the run's hooks need.
func childEnv(env map[string]string, task, runID, logPath, logsDir string) []string {
	m := make(map[string]string, len(env)+6)
	for k, v := range env {
		m[k] = v
	}
	m[recorder.EnvEntrypoint] = Entrypoint
	m[recorder.EnvTaskID] = task
	m[recorder.EnvRunID] = runID
	m[recorder.EnvLogFile] = logPath
	m[recorder.EnvLogsDir] = logsDir
	m[recorder.EnvLauncherPID] = strconv.Itoa(os.Getpid())
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// readTranscript reads the run's transcript when no hook summed it up:
// hooks not installed, --bare, or a SessionEnd hook that never ran.
func readTranscript(r *recorder.Run, snap Snapshot, env map[string]string, dir string, resumeOff recorder.Offsets) *recorder.Transcript {
	var path string
	off := resumeOff
	if r != nil {
		path = r.TranscriptPath
		if r.Offsets != nil {
			off = r.Offsets
		}
	}
	if path == "" {
		sid := snap.SessionID
		if r != nil && sid == "" {
			sid = r.SessionID
		}
		if sid == "" || strings.ContainsAny(sid, "/\\") {
			return nil
		}
		cwd := snap.Cwd
		if cwd == "" {
			cwd = dir
		}
		path = TranscriptPath(env, cwd, sid)
	}
	if path == "" {
		return nil
	}
	t, err := recorder.ReadSession(path, off)
	if err != nil {
		return nil
	}
	return &t
}

// resumes reports whether claude's arguments continue an earlier session
// (--resume/-r, --continue/-c), which appends to its transcript.
func resumes(argv []string) bool {
	for _, a := range argv {
		if a == "--" {
			break
		}
		switch {
		case a == "-r", a == "-c", a == "--continue", a == "--resume", strings.HasPrefix(a, "--resume="):
			return true
		}
	}
	return false
}

// transcriptOffsets records the size of every transcript (and subagent
// transcript) Claude Code keeps for directory dir, before a resumed run
// appends to one of them.
func transcriptOffsets(env map[string]string, dir string) recorder.Offsets {
	p := TranscriptPath(env, dir, "x")
	if p == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*.jsonl"))
	off := recorder.Offsets{}
	for _, f := range files {
		for k, v := range recorder.SessionOffsets(f) {
			off[k] = v
		}
	}
	return off
}

// TranscriptPath is where Claude Code keeps the transcript of session sid
// run in directory cwd: $CLAUDE_CONFIG_DIR (else $HOME/.claude), then
// projects/<cwd with every character other than a letter or digit turned
// into '-'>/<sid>.jsonl.
func TranscriptPath(env map[string]string, cwd, sid string) string {
	base := env[EnvClaudeConfigDir]
	if base == "" {
		home := env["HOME"]
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".claude")
	}
	b := []byte(cwd)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return filepath.Join(base, "projects", string(b), sid+".jsonl")
}

// runResult is what the supervisor saw.
type runResult struct {
	startErr  error
	exitCode  int       // -1 when killed by a signal
	killedBy  os.Signal // signal that killed the child
	forwarded os.Signal // first signal ccq received and passed on
	timedOut  bool
	end       time.Time // when the child exited
}

// supervisor owns the child and its process group.
type supervisor struct {
	grace   time.Duration
	timeout time.Duration
	runID   string
	started time.Time // when the child started
}

// recentRun is how long a run may last and still have its escaped
// processes looked for among the pids above its own only: at that pace
// the kernel's pids cannot have gone all the way around.
const recentRun = 10 * time.Second

// scanScope is how much of the process table to read for escaped processes.
func (sv *supervisor) scanScope() proc.Scope {
	if time.Since(sv.started) < recentRun {
		return proc.ScanNewer
	}
	return proc.ScanAll
}

// signalRun sends sig to the run's process group and to the processes of
// the run that left it.
func (sv *supervisor) signalRun(pgid int, sig syscall.Signal) {
	_ = signalGroup(pgid, sig)
	for _, pid := range proc.Escaped(pgid, recorder.EnvRunID+"="+sv.runID, sv.scanScope()) {
		_ = syscall.Kill(pid, sig)
	}
}

// runAlive reports whether any process of the run is left.
func (sv *supervisor) runAlive(pgid int) bool {
	return len(proc.GroupMembers(pgid)) > 0 || len(proc.Escaped(pgid, recorder.EnvRunID+"="+sv.runID, sv.scanScope())) > 0
}

func (sv *supervisor) run(bin string, argv []string, dir string, env []string, stream *Stream, progress io.Writer, task string, start time.Time) (res runResult) {
	pr, pw, err := os.Pipe()
	if err != nil {
		res.startErr = err
		return res
	}
	defer pr.Close()
	cmd := exec.Command(bin, argv...)
	cmd.Dir = dir
	cmd.Env = env
	// One pipe for stdout and stderr keeps their order. ccq reads it
	// itself (exec starts no copying goroutine for an *os.File), so Wait
	// returns when the child exits, whoever else holds the pipe; the read
	// side is bounded by drainTimeout below.
	cmd.Stdout, cmd.Stderr = pw, pw
	ownGroup(cmd)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		pw.Close()
		res.startErr = err
		return res
	}
	pw.Close()
	pgid := cmd.Process.Pid
	sv.started = time.Now()

	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		_, _ = stream.ReadFrom(pr)
	}()
	stopProgress := startProgress(progress, stream, task, start)
	defer stopProgress()

	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()

	var timeoutC <-chan time.Time
	if sv.timeout > 0 {
		t := time.NewTimer(sv.timeout - time.Since(start))
		defer t.Stop()
		timeoutC = t.C
	}
	var killC <-chan time.Time
	terminating := false
	terminate := func(sig os.Signal) {
		sv.signalRun(pgid, sig.(syscall.Signal))
		if !terminating {
			terminating = true
			t := time.NewTimer(sv.grace)
			killC = t.C
		}
	}

wait:
	for {
		select {
		case <-waitDone:
			break wait
		case <-timeoutC:
			timeoutC = nil
			if res.forwarded == nil {
				res.timedOut = true
			}
			terminate(sigTERM)
		case sig := <-sigs:
			if res.forwarded == nil && !res.timedOut {
				res.forwarded = sig
				terminate(sig)
			} else {
				// A second signal: stop waiting for a clean end.
				sv.signalRun(pgid, syscall.SIGKILL)
			}
		case <-killC:
			killC = nil
			sv.signalRun(pgid, syscall.SIGKILL)
		}
	}
	res.end = time.Now()
	if ps := cmd.ProcessState; ps != nil {
		res.exitCode = ps.ExitCode()
		if sig, ok := waitSignal(ps); ok {
			res.killedBy = sig
		}
	}

	// Claude Code is gone; the tools it started may not be, in its group
	// or out of it. They get SIGTERM and, after what is left of the grace
	// period, SIGKILL.
	if sv.runAlive(pgid) {
		terminate(sigTERM)
		tick := time.NewTicker(20 * time.Millisecond)
		var giveUp time.Time
		for sv.runAlive(pgid) {
			select {
			case <-tick.C:
			case <-sigs:
				sv.signalRun(pgid, syscall.SIGKILL)
			case <-killC:
				killC = nil
				sv.signalRun(pgid, syscall.SIGKILL)
				giveUp = time.Now().Add(2 * time.Second) // a process stuck in the kernel
			}
			if !giveUp.IsZero() && time.Now().After(giveUp) {
				break
			}
		}
		tick.Stop()
	}

	select {
	case <-readDone:
	case <-time.After(drainTimeout):
		_ = pr.SetReadDeadline(time.Now())
		<-readDone
	}
	return res
}
