package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
)

// Event kinds written to a run's state file.
const (
	EvLaunch       = "Launch" // ccq launch started the run (it will write the line)
	EvSessionStart = "SessionStart"
	// EvUserPromptSubmit: a prompt was sent. Under `claude -p --bare` it
	// is, with Stop and SessionEnd, all that fires (no SessionStart).
	EvUserPromptSubmit = "UserPromptSubmit"
	EvStop             = "Stop"
	EvStopFailure      = "StopFailure"
	EvSessionEnd       = "SessionEnd"
	EvChild            = "Child" // ccq launch started claude: its pid and start ticks
	// EvGuard: ccq launch started the run's guardian (its pid and start
	// ticks), which records the run should the launcher be killed.
	EvGuard = "Guard"
)

// Event is one line of a run's state file .runs/{run_id}.jsonl. Each hook
// invocation appends one; nobody rewrites the file, so hooks of one run that
// fire at the same moment cannot lose each other's news.
type Event struct {
	Ev     string      `json:"ev"`
	ID     string      `json:"id,omitempty"` // the run id as given (the file name may be sanitised)
	T      int64       `json:"t"`            // unix milliseconds
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
	Prompt string      `json:"prompt,omitempty"` // the payload's prompt_id
	TS     *Transcript `json:"ts,omitempty"`     // SessionEnd: what the transcript held
	// Orphan, on SessionEnd, says the run's launcher was gone by then: its
	// death, not the run, ended the session (claude gets SIGTERM with it).
	Orphan bool `json:"orphan,omitempty"`
}

// Guarded reports whether the run's guardian is alive: the launcher is
// gone, and the guardian will end the run's processes and record it.
func (r *Run) Guarded() bool {
	return r.GuardPID != 0 && proc.Alive(r.GuardPID, r.GuardTicks)
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
	// GuardPID is the launcher's guardian (EvGuard), 0 if none was noted.
	GuardPID             int
	GuardTicks           int64
	Launched             bool
	SessionStarts, Stops int
	// Prompts counts UserPromptSubmit events; PromptID is the last
	// prompt_id any event carried (it joins Claude Code's OTel events).
	Prompts  int
	PromptID string
	// Fork: the run is a forked session (SessionStart source "fork"), a
	// new run whose transcript begins with its parent's (Part.Fork).
	Fork        bool
	StopFailure string
	Ended       bool
	EndReason   string
	// Orphaned: the session ended after its launcher was killed
	// (Event.Orphan), so its end is the launcher's death.
	Orphaned    bool
	OutputBytes int
	Transcript  *Transcript
	Events      int

	// Waiting is set by InProgress on a run that has ended (none of its
	// processes is alive) but whose history line could not be written yet:
	// why, e.g. "no space left on device". The next ccq command retries.
	Waiting string
}

func runFile(dir, runID string) string {
	return filepath.Join(RunsDir(dir), FileName(runID)+".jsonl")
}

// AppendEvent adds ev to the state file of run runID with one write,
// creating the file if it is the run's first event. A new state file
// appears whole, with its first event in it, or not at all: it is written
// under a temporary name and linked into place, so a full disk never leaves
// an empty state file behind.
func AppendEvent(dir, runID string, ev Event) error {
	line, err := eventLine(runID, ev)
	if err != nil {
		return err
	}
	err = appendLine(dir, runID, line)
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := MkdirNoFollow(dir, RunsDir(dir)); err != nil {
		return err
	}
	for range 3 { // another hook of the run may create it meanwhile
		err := createWith(runFile(dir, runID), line)
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := appendLine(dir, runID, line); !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return fmt.Errorf("state of run %s: created and removed under us", runID)
}

// AppendEventIfOpen adds ev only to a state file that exists: a hook of a
// launched run must not resurrect state the launcher has already claimed and
// closed. It returns an error wrapping fs.ErrNotExist when there is none.
func AppendEventIfOpen(dir, runID string, ev Event) error {
	line, err := eventLine(runID, ev)
	if err != nil {
		return err
	}
	return appendLine(dir, runID, line)
}

func eventLine(runID string, ev Event) ([]byte, error) {
	ev.ID = runID
	b, err := ev.appendJSON(make([]byte, 0, 256))
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// appendLine appends to an existing state file, never through a link.
func appendLine(dir, runID string, line []byte) error {
	if err := realDir(RunsDir(dir)); err != nil {
		return err
	}
	f, err := openNoFollow(runFile(dir, runID), os.O_APPEND|os.O_WRONLY, FileMode)
	if err != nil {
		return err
	}
	_, werr := f.Write(line)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// createWith makes path hold exactly data, atomically: data goes to a
// temporary file that is then hard-linked to path (which fails with
// fs.ErrExist if path exists). The temporary file is always removed.
func createWith(path string, data []byte) error {
	tmp := path + ".new-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	f, err := CreateExclusive(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return cerr
	}
	return os.Link(tmp, path)
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
		ev, ok := parseEvent(line)
		if !ok {
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
	if ev.ID != "" {
		r.ID = ev.ID
	}
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
	if ev.Prompt != "" {
		r.PromptID = ev.Prompt
	}
	switch ev.Ev {
	case EvLaunch:
		r.Launched = true
		r.LauncherPID, r.LauncherTicks = ev.PID, ev.PTicks
	case EvChild:
		r.ClaudePID, r.ClaudeTicks = ev.PID, ev.PTicks
	case EvGuard:
		r.GuardPID, r.GuardTicks = ev.PID, ev.PTicks
	case EvSessionStart, EvUserPromptSubmit:
		if ev.Ev == EvSessionStart {
			r.SessionStarts++
			if r.SessionStarts == 1 {
				r.Offsets, r.Fork = ev.Off, ev.Src == "fork"
			}
		} else {
			r.Prompts++
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
		r.Orphaned = ev.Orphan
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

// Part is which part of its session's transcripts the run is.
func (r *Run) Part() Part { return Part{Offsets: r.Offsets, Fork: r.Fork} }

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
