package hooks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sessionlog"
)

// Extra keys a hook-recorded run's line may carry.
const (
	// ExtraTranscript is the session transcript the log was rendered from.
	ExtraTranscript = "transcript"
	// ExtraLogError says why a run has no session log of its own (its
	// transcript was gone at SessionEnd, the log could not be created);
	// log_file is then the transcript path, as before ccq wrote logs.
	ExtraLogError = "log_error"
)

// mdLog is the Markdown session log ccq-hook writes at SessionEnd for a run
// nobody else writes one for: no launcher, no CCQ_LOG_FILE from a
// scheduler. It is rendered in the same pass that sums the transcript up.
type mdLog struct {
	logsDir, path string
	transcript    string
	render        sessionlog.Transcript
	log           *sessionlog.Log
	err           error // why there is no log
	// sibling is set when the log exists already: a second ccq-hook
	// (registered twice) created it a moment before this one.
	sibling bool
}

// newMDLog plans the log of run id: its path follows from the run's start
// day, task and id exactly as the launcher's does, so it is known before
// the line that names it is written. It returns nil when the run has a log
// file already.
func newMDLog(logsDir, id string, st *recorder.Run, ev recorder.Event, cwd string, now time.Time) *mdLog {
	task, start := ev.Task, now
	if st != nil {
		if st.LogFile != "" {
			return nil
		}
		if st.Task != "" {
			task = st.Task
		}
		if !st.Start.IsZero() {
			start = st.Start
		}
	}
	if ev.Log != "" {
		return nil
	}
	m := &mdLog{
		logsDir:    logsDir,
		path:       recorder.SessionLogPath(logsDir, start.UTC().Format("2006-01-02"), recorder.CleanID(task), id),
		transcript: ev.TP,
	}
	m.render.Open = func(meta sessionlog.Meta) *sessionlog.Log {
		l, err := sessionlog.Create(logsDir, m.path)
		if err != nil {
			m.sibling = errors.Is(err, os.ErrExist) && !errors.Is(err, recorder.ErrSymlink)
			m.err = fmt.Errorf("no session log: %w", err)
			return nil
		}
		m.log = l.Buffered()
		dir := meta.Cwd
		if dir == "" {
			dir = cwd
		}
		l.Header(sessionlog.Header{TaskName: recorder.CleanID(task), RunID: id, Start: start, Prompt: meta.Prompt, Dir: dir})
		return l
	}
	return m
}

// line is the visitor ReadSessionFunc calls; nil-safe so a run with a log
// file costs nothing more.
func (m *mdLog) visit() func(typ string, line []byte) {
	if m == nil {
		return nil
	}
	return m.render.Line
}

// scanned is told how reading the transcript went. A transcript that could
// not be read leaves no log.
func (m *mdLog) scanned(err error) {
	if m == nil {
		return
	}
	if err != nil {
		if m.transcript == "" {
			err = errors.New("no transcript path")
		} else if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("transcript %s was gone at SessionEnd", filepath.Base(m.transcript))
		}
		if m.log != nil {
			m.log.Note("the transcript could not be read to its end: " + err.Error())
			return
		}
		m.err = fmt.Errorf("no session log: %w", err)
		return
	}
	m.render.Log() // a transcript with nothing to show still gets its header
}

// evidence puts the log and the transcript in the line.
func (m *mdLog) evidence(ev *recorder.Evidence) {
	if m == nil {
		return
	}
	ev.Extra = map[string]any{}
	if m.transcript != "" {
		ev.Extra[ExtraTranscript] = m.transcript
	}
	if m.log != nil || m.sibling {
		ev.LogFile = m.path
	} else if m.err != nil {
		ev.Extra[ExtraLogError] = m.err.Error()
	}
}

// finish writes the closing block from the line as written and closes the
// log.
func (m *mdLog) finish(rec recorder.Recorded, recErr error) error {
	if m == nil || m.log == nil {
		return nil
	}
	switch {
	case recErr == nil:
		m.log.Footer(&rec.Entry, "")
	case errors.Is(recErr, recorder.ErrAlreadyRecorded):
		m.log.Note("the run's line was written by another ccq-hook")
	default:
		m.log.Note("the run's line could not be written: " + recErr.Error())
	}
	return m.log.Close()
}
