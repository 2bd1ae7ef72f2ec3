package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Event kinds written to a run's state file.
const (
	EvLaunch       = "Launch" // ccq launch started the run (it will write the line)
	EvSessionStart = "SessionStart"
	EvStop         = "Stop"
	EvStopFailure  = "StopFailure"
	EvSessionEnd   = "SessionEnd"
)

// Event is one line of a run's state file .runs/{run_id}.jsonl. Each hook
// invocation appends one; nobody rewrites the file, so hooks of one run that
// fire at the same moment cannot lose each other's news.
type Event struct {
	Ev     string      `json:"ev"`
	T      int64       `json:"t"` // unix milliseconds
	Task   string      `json:"task,omitempty"`
	Log    string      `json:"log,omitempty"`
	SID    string      `json:"sid,omitempty"`
	TP     string      `json:"tp,omitempty"`  // transcript path
	Src    string      `json:"src,omitempty"` // SessionStart source
	Off    Offsets     `json:"off,omitempty"` // transcript offsets at SessionStart
	PID    int         `json:"pid,omitempty"` // claude (hooks) or ccq (Launch)
	PTicks int64       `json:"pticks,omitempty"`
	PStart int64       `json:"pstart,omitempty"` // process start, unix ms
	Err    string      `json:"err,omitempty"`    // StopFailure error
	Reason string      `json:"reason,omitempty"` // SessionEnd reason
	Out    int         `json:"out,omitempty"`    // Stop: bytes of the last assistant message
	TS     *Transcript `json:"ts,omitempty"`     // SessionEnd: what the transcript held
}

// Run is everything the state file says about one run.
type Run struct {
	ID             string
	Task           string
	LogFile        string
	SessionID      string
	TranscriptPath string
	Offsets        Offsets

	Start    time.Time // start of the claude process (or first event)
	LastSeen time.Time // time of the last event
	EndTime  time.Time // SessionEnd, if it came

	LauncherPID, ClaudePID     int
	LauncherTicks, ClaudeTicks int64
	Launched                   bool
	SessionStarts, Stops       int
	StopFailure                string
	Ended                      bool
	EndReason                  string
	OutputBytes                int
	Transcript                 *Transcript
	Events                     int

	// Waiting is set by InProgress on a run that has ended (none of its
	// processes is alive) but whose history line could not be written yet:
	// why, e.g. "no space left on device". The next ccq command retries.
	Waiting string
}

func runFile(dir, runID string) string {
	return filepath.Join(RunsDir(dir), SafeName(runID)+".jsonl")
}

// AppendEvent adds ev to the state file of run runID with one write. With
// create false it only appends to a state file that exists: a hook of a
// launched run must not resurrect a state file the launcher has already
// claimed and closed.
func AppendEvent(dir, runID string, ev Event, create bool) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	flags := os.O_APPEND | os.O_WRONLY
	if create {
		flags |= os.O_CREATE
		if err := os.MkdirAll(RunsDir(dir), DirMode); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(runFile(dir, runID), flags, FileMode)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// ReadRun reads the state of run runID. It returns an error wrapping
// os.ErrNotExist when there is none.
func ReadRun(dir, runID string) (*Run, error) {
	return readRunFile(runFile(dir, runID), runID)
}

// maxStateFile bounds what is read of a state file: a run has a handful of
// events, but a runaway loop of Stop hooks must not exhaust memory.
const maxStateFile = 16 << 20

func readRunFile(path, runID string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile))
	if err != nil {
		return nil, err
	}
	r := &Run{ID: runID}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ev Event
		if json.Unmarshal(line, &ev) != nil {
			continue // a torn line from a hook killed mid-write
		}
		r.apply(ev)
	}
	if r.Events == 0 {
		return nil, fmt.Errorf("run %s: no events: %w", runID, os.ErrNotExist)
	}
	return r, nil
}

func (r *Run) apply(ev Event) {
	r.Events++
	t := time.UnixMilli(ev.T)
	if r.Start.IsZero() || (!t.IsZero() && t.Before(r.Start)) {
		r.Start = t
	}
	if t.After(r.LastSeen) {
		r.LastSeen = t
	}
	if ev.Task != "" && r.Task == "" {
		r.Task = ev.Task
	}
	if ev.Log != "" && r.LogFile == "" {
		r.LogFile = ev.Log
	}
	if ev.SID != "" && r.SessionID == "" {
		r.SessionID = ev.SID
	}
	if ev.TP != "" {
		r.TranscriptPath = ev.TP // the latest word: SessionEnd's is the one it read
	}
	switch ev.Ev {
	case EvLaunch:
		r.Launched = true
		r.LauncherPID, r.LauncherTicks = ev.PID, ev.PTicks
	case EvSessionStart:
		r.SessionStarts++
		if r.SessionStarts == 1 {
			r.Offsets = ev.Off
		}
		if ev.PID != 0 && r.ClaudePID == 0 {
			r.ClaudePID, r.ClaudeTicks = ev.PID, ev.PTicks
		}
	case EvStop:
		r.Stops++
		if ev.Out > 0 {
			r.OutputBytes = ev.Out
		}
	case EvStopFailure:
		r.StopFailure = ev.Err
		if r.StopFailure == "" {
			r.StopFailure = "unknown"
		}
	case EvSessionEnd:
		r.Ended = true
		r.EndReason = ev.Reason
		r.EndTime = t
		if ev.TS != nil {
			r.Transcript = ev.TS
		}
	}
	if ev.PStart != 0 && ev.Ev != EvLaunch {
		// The claude process's own start beats the first hook's clock.
		if ps := time.UnixMilli(ev.PStart); ps.Before(r.Start) {
			r.Start = ps
		}
	}
}

// Claimed is a run's state that one process has taken the right to close.
type Claimed struct {
	Run  *Run
	path string
}

// Claim takes the exclusive right to write run runID's history line by
// renaming its state file; of all the processes that try, exactly one
// succeeds. The others get an error wrapping os.ErrNotExist.
func Claim(dir, runID string) (*Claimed, error) {
	src := runFile(dir, runID)
	dst := strings.TrimSuffix(src, ".jsonl") + ".closing-" + strconv.Itoa(os.Getpid())
	if err := os.Rename(src, dst); err != nil {
		return nil, err
	}
	r, err := readRunFile(dst, runID)
	if err != nil {
		r = &Run{ID: runID}
	}
	return &Claimed{Run: r, path: dst}, nil
}

// Done removes the claimed state once its history line is written.
func (c *Claimed) Done() error { return os.Remove(c.path) }

// Release gives the claim back, for a caller that failed to write the line:
// a later reader will then close the run.
func (c *Claimed) Release() error {
	i := strings.LastIndex(c.path, ".closing-")
	if i < 0 {
		return errors.New("not a claimed state file")
	}
	return os.Rename(c.path, c.path[:i]+".jsonl")
}
