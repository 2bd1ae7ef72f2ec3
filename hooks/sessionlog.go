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
// scheduler.
//
// Its file is created before the run's line is written, so the line can
// name it (or say why there is none); it is rendered after, from a second
// pass over the transcript, in what is left of the SessionEnd budget.
type mdLog struct {
	logsDir, path string
	transcript    string
	task, id, cwd string
	start         time.Time
	file          *sessionlog.Log // created here; nil for a sibling's
	err           error           // why there is no log
	// sibling is set when the log exists already: a second ccq-hook
	// (registered twice) created it a moment before this one. Whichever
	// of the two writes the line renders the log.
	sibling bool
}

// newMDLog creates the log of run id, unless the run has a log file
// already (nil) or its transcript could not be read (terr: no log, and the
// line says why). Its path follows from the run's start day, task and id
// exactly as the launcher's does.
func newMDLog(r run, st *recorder.Run, ev recorder.Event, tr *recorder.Transcript, terr error) *mdLog {
	task, start := ev.Task, r.now
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
	// A run whose SessionStart never fired starts where its line will say
	// (recorder: the transcript's first line when that is earlier).
	if tr != nil && !tr.First.IsZero() && tr.First.Before(start) && (st == nil || st.SessionStarts == 0) {
		start = tr.First
	}
	if ev.Log != "" {
		return nil
	}
	task = recorder.CleanID(task)
	m := &mdLog{
		logsDir:    r.logsDir,
		path:       recorder.SessionLogPath(r.logsDir, start.UTC().Format("2006-01-02"), task, r.id),
		transcript: ev.TP, task: task, id: r.id, cwd: r.cwd, start: start,
	}
	if terr != nil {
		if m.transcript == "" {
			terr = errors.New("no transcript path")
		} else if errors.Is(terr, os.ErrNotExist) {
			terr = fmt.Errorf("transcript %s was gone at SessionEnd", filepath.Base(m.transcript))
		}
		m.err = fmt.Errorf("no session log: %w", terr)
		return m
	}
	l, err := sessionlog.Create(r.logsDir, m.path)
	if err != nil {
		m.sibling = errors.Is(err, os.ErrExist) && !errors.Is(err, recorder.ErrSymlink)
		if !m.sibling {
			m.err = fmt.Errorf("no session log: %w", err)
		}
		return m
	}
	m.file = l.Buffered()
	return m
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
	if m.err != nil {
		ev.Extra[ExtraLogError] = m.err.Error()
	} else {
		ev.LogFile = m.path
	}
}

// open gives the log to write the rendering into: the one created here,
// or the sibling's, to which this hook appends as the one that wrote the
// line (the sibling writes nothing to it).
func (m *mdLog) open() (*sessionlog.Log, error) {
	if m.file != nil {
		return m.file, nil
	}
	l, err := sessionlog.Append(m.path)
	if err != nil {
		return nil, err
	}
	return l.Buffered(), nil
}

// discard closes the log without writing to it: the other ccq-hook, which
// wrote the run's line, renders it.
func (m *mdLog) discard() error {
	if m == nil || m.file == nil {
		return nil
	}
	return m.file.Close()
}
