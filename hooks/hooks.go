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
		"source", "error", "reason", "last_assistant_message")
	event := f[0].Str
	switch event {
	case recorder.EvSessionStart, recorder.EvStop, recorder.EvStopFailure, recorder.EvSessionEnd:
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
	r := run{logsDir: logsDir, id: runID, env: env, supervised: env[recorder.EnvLauncherPID] != "", cwd: cwd, now: in.Now}
	ev := recorder.Event{Ev: event, T: in.Now.UnixMilli(), SID: sid}

	switch event {
	case recorder.EvStopFailure:
		ev.Err = f[5].Str
		return r.note(ev)
	case recorder.EvStop:
		ev.Out = len(f[7].Str)
		return r.note(ev)
	case recorder.EvSessionStart:
		ev.Task, ev.Log, ev.TP, ev.Src = task, env[recorder.EnvLogFile], tp, f[4].Str
		ev.PID = claudePID
		if ticks, start, ok := proc.Start(claudePID); ok {
			ev.PTicks = ticks
			if !start.IsZero() {
				ev.PStart = start.UnixMilli()
			}
		}
		if tp != "" && ev.Src != "startup" {
			// A resumed session appends to an existing transcript: remember
			// where this run's part begins.
			ev.Off = recorder.SessionOffsets(tp)
		}
		return r.note(ev)
	}
	ev.Reason = f[6].Str
	ev.Task, ev.Log, ev.TP = task, env[recorder.EnvLogFile], tp
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
}

// note adds ev to the run's state. Under a launcher it only appends to state
// the launcher opened, never re-creating state it already closed.
func (r run) note(ev recorder.Event) error {
	if r.supervised {
		return recorder.AppendEventIfOpen(r.logsDir, r.id, ev)
	}
	return recorder.AppendEvent(r.logsDir, r.id, ev)
}

// end notes SessionEnd with what the transcript holds and, unless a live
// launcher will, writes the run's line.
//
// A run with no log file (no launcher, no CCQ_LOG_FILE) gets its Markdown
// session log here, rendered while the transcript is read for its usage:
// one pass, line by line, however long the transcript.
func (r run) end(ev recorder.Event) error {
	var off recorder.Offsets
	st, err := recorder.ReadRun(r.logsDir, r.id)
	if err == nil {
		off = st.Offsets
	} else {
		st = nil
	}
	var md *mdLog
	if !r.supervised {
		md = newMDLog(r.logsDir, r.id, st, ev, r.cwd, r.now)
	}
	var terr error
	if ev.TP != "" {
		t, err := recorder.ReadSessionFunc(ev.TP, off, md.visit())
		if err == nil {
			ev.TS = &t
		}
		terr = err
		md.scanned(err)
	} else {
		md.scanned(errors.New("no transcript path"))
	}
	var evd recorder.Evidence
	if r.supervised {
		pid, _ := strconv.Atoi(r.env[recorder.EnvLauncherPID])
		if proc.Alive(pid, 0) {
			if err := r.note(ev); err != nil {
				return err
			}
			return terr // the launcher writes the line; it knows the exit code
		}
		// The launcher was killed, and with it the session ends: that is
		// the run's end, whoever writes the line. Its guardian, if the
		// state names a live one, ends the run's tools and records it
		// when they are gone; else the run is ours to record.
		ev.Orphan = true
		if err := r.note(ev); err != nil {
			return err
		}
		if st, err := recorder.ReadRun(r.logsDir, r.id); err == nil && st.Guarded() {
			return terr
		}
		evd.Unfinished = recorder.UnfinishedLauncherKilled
	} else if err := r.note(ev); err != nil {
		return err
	}
	md.evidence(&evd)
	rec, err := recorder.Record(r.logsDir, r.id, evd, recorder.ByHook)
	lerr := md.finish(rec, err)
	if errors.Is(err, recorder.ErrAlreadyRecorded) {
		return fmt.Errorf("%w; is ccq-hook registered twice? (ccq-hook status)", err)
	}
	return errors.Join(err, terr, lerr)
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
