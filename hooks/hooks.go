// Package hooks is what ccq-hook does with one Claude Code hook event: it
// notes the event in the run's state file and, at SessionEnd of a run no
// launcher supervises, writes the run's single history line.
//
// It is on the hot path of every Claude Code session, so it stays lean: it
// reads stdin through a size limit, pulls the few fields it needs with gjson
// and never decodes the whole payload. StopFailure hooks are killed 10 to 30
// ms after they start, so that event costs one small append and nothing more.
package hooks

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/internal/logindex"
	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
)

// MaxPayload is how much of stdin is read. Real payloads are a few hundred
// bytes; a Stop payload carries the last assistant message, whose length is
// all ccq needs.
const MaxPayload = 4 << 20

// readTimeout bounds the wait for stdin: Claude Code writes one JSON object
// and closes the pipe, but a hook run by hand may face a terminal or a pipe
// that never closes.
const readTimeout = 2 * time.Second

// Input is one hook invocation.
type Input struct {
	Stdin io.Reader
	Env   map[string]string
	Cwd   string
	Now   time.Time
	// Version is ccq-hook's version, for the fingerprint of the runs it
	// records.
	Version string
}

// ErrIgnored is returned for input that is not an event ccq records (empty,
// not JSON, an event it does not use). It is not a failure.
var ErrIgnored = errors.New("ignored")

// Handle processes one hook event.
func Handle(in Input) error {
	payload, err := readPayload(in.Stdin)
	if err != nil {
		return err
	}
	if !gjson.ValidBytes(payload) && len(payload) < MaxPayload {
		return fmt.Errorf("%w: stdin is not JSON (%d bytes)", ErrIgnored, len(payload))
	}
	f := gjson.GetManyBytes(payload, "hook_event_name", "session_id", "transcript_path", "cwd",
		"source", "error", "reason", "last_assistant_message", "prompt_id")
	event := f[0].Str
	switch event {
	case recorder.EvSessionStart, recorder.EvUserPromptSubmit, recorder.EvStop, recorder.EvStopFailure, recorder.EvSessionEnd:
	default:
		return fmt.Errorf("%w: event %q", ErrIgnored, event)
	}
	sid, tp, cwd := f[1].Str, f[2].Str, f[3].Str
	env := in.Env
	runID := env[recorder.EnvRunID]
	claudePID, _ := strconv.Atoi(env[recorder.EnvClaudePID])
	if runID == "" {
		if sid == "" {
			return fmt.Errorf("%w: no %s and no session_id", ErrIgnored, recorder.EnvRunID)
		}
		runID = unlabelledRunID(sid, claudePID)
	}
	runID = recorder.CleanID(runID)
	task := env[recorder.EnvTaskID]
	if task == "" {
		task = fallbackTask(env, cwd)
	}
	task = recorder.CleanID(task)
	logsDir := recorder.LogsDir("", env, in.Cwd)
	r := run{logsDir: logsDir, id: runID, env: env, supervised: env[recorder.EnvLauncherPID] != "", cwd: cwd, now: in.Now, version: in.Version}
	ev := recorder.Event{Ev: event, T: in.Now.UnixMilli(), SID: sid, Prompt: f[8].Str}

	switch event {
	case recorder.EvStopFailure:
		ev.Err = f[5].Str
		return r.note(ev)
	case recorder.EvStop:
		ev.Out = len(f[7].Str)
		return r.note(ev)
	case recorder.EvSessionStart, recorder.EvUserPromptSubmit:
		// Both name the run: under `claude -p --bare` SessionStart does
		// not fire, and UserPromptSubmit is the first event of the run.
		ev.Task, ev.Log, ev.TP = task, env[recorder.EnvLogFile], tp
		ev.PID = claudePID
		if ticks, start, ok := proc.Start(claudePID); ok {
			ev.PTicks = ticks
			if !start.IsZero() {
				ev.PStart = start.UnixMilli()
			}
		}
		if event == recorder.EvSessionStart {
			ev.Src = f[4].Str
			// A resumed session appends to an existing transcript:
			// remember where this run's part begins. A fork ("fork") is
			// a new session with a new transcript, a new run, never a
			// resume of its parent (recorder.Part.Fork).
			if tp != "" && ev.Src != "startup" && ev.Src != "fork" {
				ev.Off = recorder.SessionOffsets(tp)
			}
		}
		return r.note(ev)
	}
	ev.Reason = f[6].Str
	ev.Task, ev.Log, ev.TP = task, env[recorder.EnvLogFile], tp
	if r.supervised {
		return r.endSupervised(ev)
	}
	return r.end(ev)
}

// run is the run a hook event belongs to.
type run struct {
	logsDir    string
	id         string
	env        map[string]string
	supervised bool // a launcher started it (CCQ_LAUNCHER_PID is set)
	cwd        string
	now        time.Time
	version    string // ccq-hook's
}

// note adds ev to the run's state. Under a launcher it only appends to state
// the launcher opened, never re-creating state it already closed.
func (r run) note(ev recorder.Event) error {
	if r.supervised {
		return recorder.AppendEventIfOpen(r.logsDir, r.id, ev)
	}
	return recorder.AppendEvent(r.logsDir, r.id, ev)
}

// end records a run no launcher supervises, at its SessionEnd, within the
// budget Claude Code gives SessionEnd hooks (sessionEndBudget, counted from
// this process's start). The run's line comes first and is on disk before
// anything else is done: the Markdown session log is rendered after it, in
// what is left of the budget, and a log cut short says so. The SessionEnd
// is in the run's state before the transcript is read, so even a hook
// killed while reading leaves a run the next ccq command records whole.
func (r run) end(ev recorder.Event) error {
	deadline := processStart(r.now).Add(sessionEndBudget(r.env))
	sigs, stop := catchSignals()
	defer stop()
	st, err := recorder.ReadRun(r.logsDir, r.id)
	var part recorder.Part
	if err == nil {
		part = st.Part()
	} else {
		st = nil
	}
	if err := r.note(ev); err != nil {
		return err
	}
	var evd recorder.Evidence
	terr := errors.New("no transcript path")
	// The fingerprint is taken in the pass that reads the tokens: no
	// second read, no process, no network (fingerprint.Scan).
	fps := fingerprint.NewScan(nil)
	if ev.TP != "" {
		t, err := recorder.ReadSessionPart(ev.TP, part, func(typ string, line []byte) bool { fps.Visit(typ, line); return true })
		if err == nil {
			evd.Transcript = &t
		}
		terr = err
	}
	md := newMDLog(r, st, ev, evd.Transcript, terr)
	md.evidence(&evd)
	evd.Extra = fps.AddTo(evd.Extra, fingerprint.HookStart{Dir: r.cwd, Home: r.env["HOME"], CCQ: r.version})
	rec, err := recorder.Record(r.logsDir, r.id, evd, recorder.ByHook)
	if err == nil {
		err = recorder.SyncHistory(r.logsDir)
		_ = logindex.Note(r.env, r.logsDir) // for "no runs recorded yet" hints elsewhere
	}
	lerr := md.render(part, rec, err, deadline, sigs)
	if errors.Is(err, recorder.ErrAlreadyRecorded) {
		return fmt.Errorf("%w; is ccq-hook registered twice? (ccq-hook status)", err)
	}
	if ev.TP == "" {
		terr = nil
	}
	return errors.Join(err, terr, lerr)
}

// endSupervised notes SessionEnd, with what the transcript holds, for a run
// a launcher started. A live launcher writes the line (it knows the exit
// code); a dead one's run is recorded here unless its guardian does.
func (r run) endSupervised(ev recorder.Event) error {
	var part recorder.Part
	if st, err := recorder.ReadRun(r.logsDir, r.id); err == nil {
		part = st.Part()
	}
	var terr error
	if ev.TP != "" {
		t, err := recorder.ReadSessionPart(ev.TP, part, nil)
		if err == nil {
			ev.TS = &t
		}
		terr = err
	}
	pid, _ := strconv.Atoi(r.env[recorder.EnvLauncherPID])
	if proc.Alive(pid, 0) {
		return errors.Join(r.note(ev), terr)
	}
	// The launcher was killed, and with it the session ends: that is the
	// run's end, whoever writes the line. Its guardian, if the state names
	// a live one, ends the run's tools and records it when they are gone;
	// else the run is ours to record.
	ev.Orphan = true
	if err := r.note(ev); err != nil {
		return err
	}
	if st, err := recorder.ReadRun(r.logsDir, r.id); err == nil && st.Guarded() {
		return terr
	}
	_, err := recorder.Record(r.logsDir, r.id, recorder.Evidence{Unfinished: recorder.UnfinishedLauncherKilled}, recorder.ByHook)
	if errors.Is(err, recorder.ErrAlreadyRecorded) {
		return fmt.Errorf("%w; is ccq-hook registered twice? (ccq-hook status)", err)
	}
	return errors.Join(err, terr)
}

// unlabelledRunID names a run nobody labelled: the session plus the claude
// process, since a resumed session keeps its session id across runs.
func unlabelledRunID(sid string, pid int) string {
	short := sid
	if len(short) > 8 {
		short = short[:8]
	}
	if pid > 0 {
		return short + "-" + strconv.Itoa(pid)
	}
	return sid
}

// fallbackTask names the task of an unlabelled session after its project
// directory.
func fallbackTask(env map[string]string, cwd string) string {
	dir := env[recorder.EnvProjectDir]
	if dir == "" {
		dir = cwd
	}
	if dir == "" {
		return "unnamed"
	}
	return filepath.Base(dir)
}

// readPayload reads at most MaxPayload bytes, then drains the rest so
// Claude Code never sees a broken pipe, giving up after readTimeout.
func readPayload(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no stdin", ErrIgnored)
	}
	drain := true
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			if st.Mode()&os.ModeCharDevice != 0 {
				return nil, fmt.Errorf("%w: stdin is a terminal", ErrIgnored)
			}
			// Only a pipe's writer can be hurt by what we leave unread.
			drain = st.Mode()&os.ModeNamedPipe != 0
		}
	}
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, MaxPayload))
		if err == nil && drain && len(b) == MaxPayload {
			_, _ = io.Copy(io.Discard, r)
		}
		ch <- result{b, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return nil, fmt.Errorf("read stdin: %w", res.err)
		}
		if len(res.b) == 0 {
			return nil, fmt.Errorf("%w: empty stdin", ErrIgnored)
		}
		return res.b, nil
	case <-time.After(readTimeout):
		return nil, fmt.Errorf("%w: stdin not closed within %v", ErrIgnored, readTimeout)
	}
}
