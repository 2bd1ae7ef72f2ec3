package hooks

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sessionlog"
)

// EnvSessionEndTimeout is Claude Code's own setting of the budget all
// SessionEnd hooks share, in milliseconds.
const EnvSessionEndTimeout = "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"

// defaultSessionEnd is the budget Claude Code gives SessionEnd hooks when
// that variable is not set (1.5 s in 2.1.328). A settings hook's own
// timeout raises it, but a hook cannot tell which budget it got, and a
// plugin hook's timeout does not, so ccq-hook keeps to the default.
const defaultSessionEnd = 1500 * time.Millisecond

// budgetShare is the part of the budget ccq-hook takes for itself: the
// rest is for the shell that starts it, Claude Code's own bookkeeping and
// a loaded machine's scheduling.
const budgetShare = 0.8

// sessionEndBudget is how long ccq-hook may take at SessionEnd: 1.2 s of
// Claude Code's default 1.5 s, or 80% of CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS.
func sessionEndBudget(env map[string]string) time.Duration {
	b := defaultSessionEnd
	if ms, err := strconv.ParseInt(env[EnvSessionEndTimeout], 10, 64); err == nil && ms > 0 && ms < 1<<31 {
		b = time.Duration(ms) * time.Millisecond
	}
	return time.Duration(float64(b) * budgetShare)
}

// processStart is when this hook's process began: Claude Code's clock for
// the hook starts when it spawns the hook's shell, which execs ccq-hook
// under the same pid, so the process's own start time is the closest to
// it /proc can tell (to 10 ms); now where there is no /proc.
func processStart(now time.Time) time.Time {
	if _, t, ok := proc.Start(os.Getpid()); ok && !t.IsZero() && t.Before(now) {
		return t
	}
	return now
}

// catchSignals holds the signals that end a hook (Claude Code cancelling
// it) from the start of SessionEnd: one that comes before the line is
// written lets the line be written and stops the log before it begins; one
// that comes while the log renders cuts it short with a note and its
// closing block. Claude Code does not wait for a cancelled hook, so this
// costs it nothing. stop undoes it.
func catchSignals() (sigs <-chan os.Signal, stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}

// render writes the session log of the run whose line was just written
// (rec, recErr), from part of the transcript, stopping at deadline or at a
// signal (Claude Code cancelling the hook): a log cut short says so and
// how much of the transcript it shows. The line is never waited on.
func (m *mdLog) render(part recorder.Part, rec recorder.Recorded, recErr error, deadline time.Time, sigs <-chan os.Signal) error {
	if m == nil || m.err != nil {
		return nil
	}
	if errors.Is(recErr, recorder.ErrAlreadyRecorded) {
		return m.discard()
	}
	l, err := m.open()
	if err != nil {
		return fmt.Errorf("session log: %w", err)
	}

	var cut string
	tr := sessionlog.Transcript{Open: func(meta sessionlog.Meta) *sessionlog.Log {
		dir := meta.Cwd
		if dir == "" {
			dir = m.cwd
		}
		l.Header(sessionlog.Header{TaskName: m.task, RunID: m.id, Start: m.start, Prompt: meta.Prompt, Dir: dir})
		return l
	}}
	walked, werr := recorder.WalkSession(m.transcript, part, func(typ string, line []byte) bool {
		select {
		case s := <-sigs:
			cut = "ccq-hook got " + sigName(s) + " (Claude Code ending its SessionEnd hooks)"
			return false
		default:
		}
		if time.Now().After(deadline) {
			cut = "the SessionEnd time budget ran out"
			return false
		}
		tr.Line(typ, line)
		return true
	})
	tr.Log() // a transcript with nothing to show still gets its header
	switch {
	case werr != nil:
		l.Note("the transcript could not be read to its end: " + werr.Error())
	case walked.Stopped:
		l.Note(cutNote(cut, walked, m.transcript))
	}
	switch {
	case recErr == nil:
		l.Footer(&rec.Entry, "")
	default:
		l.Note("the run's line could not be written: " + recErr.Error())
	}
	return l.Close()
}

// cutNote says why a log stops early and how much of the transcript it
// shows; the run's line, written before, is whole.
func cutNote(why string, w recorder.Walked, transcript string) string {
	pct := 100.0
	if w.Size > 0 {
		pct = 100 * float64(w.Read) / float64(w.Size)
	}
	return fmt.Sprintf("this log is cut short: %s. It shows the first %s of %s of this run's transcript (%.0f%%); "+
		"the run's line in the history is complete. The whole session is in %s",
		why, mb(w.Read), mb(w.Size), pct, transcript)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func sigName(s os.Signal) string {
	switch s {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case os.Interrupt:
		return "SIGINT"
	}
	return s.String()
}
