package recorder

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
)

// EntryFromRun starts a history entry from what the state file says about a
// run: identity, start time and duration up to SessionEnd (or the last sign
// of life). Outcome and tokens come from Fill.
func EntryFromRun(r *Run, by string) Entry {
	e := Entry{
		TaskID:     r.Task,
		LogFile:    r.LogFile,
		RunID:      r.ID,
		SessionID:  r.SessionID,
		RecordedBy: by,
	}
	if e.TaskID == "" {
		e.TaskID = "unnamed"
	}
	if e.LogFile == "" {
		e.LogFile = r.TranscriptPath
	}
	end := r.EndTime
	if end.IsZero() {
		end = r.LastSeen
	}
	e.SetStart(r.Start)
	e.SetDuration(end.Sub(r.Start))
	return e
}

// Close writes the single history line of a claimed run and removes its
// state. If the line cannot be written the claim is released, so that a
// later reader can still close the run.
func Close(dir string, c *Claimed, e *Entry) error {
	if err := Append(dir, e); err != nil {
		_ = c.Release()
		return err
	}
	return c.Done()
}

// StaleAfter is how long a state file with no process to check (no pid was
// recorded) may go untouched before a reader closes the run.
const StaleAfter = 24 * time.Hour

// CloseStale closes, once, every run whose recorder died: a launcher killed
// before it wrote the line, or a Claude Code session killed before its
// SessionEnd hook ran. A run is stale when none of the processes it recorded
// (launcher, claude) is alive. It returns how many runs it closed. Runs
// whose state cannot be read are left alone.
func CloseStale(dir string, now time.Time) (int, error) {
	ents, err := os.ReadDir(RunsDir(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	closed := 0
	for _, de := range ents {
		name := de.Name()
		switch {
		case strings.HasSuffix(name, ".jsonl"):
			if closeIfStale(dir, strings.TrimSuffix(name, ".jsonl"), now) {
				closed++
			}
		case strings.Contains(name, ".closing-"):
			if finishAbandonedClaim(dir, name) {
				closed++
			}
		}
	}
	return closed, nil
}

func closeIfStale(dir, runID string, now time.Time) bool {
	r, err := ReadRun(dir, runID)
	if err != nil {
		return false
	}
	if !stale(r, runFile(dir, runID), now) {
		return false
	}
	c, err := Claim(dir, runID)
	if err != nil {
		return false // someone else is closing it
	}
	r = c.Run
	ev := Evidence{Run: r, Launched: r.Launched}
	if !r.Ended {
		if r.Launched {
			ev.Unfinished = "unfinished: launcher killed"
		} else {
			ev.Unfinished = "unfinished: killed before SessionEnd"
		}
	}
	if r.Transcript == nil && r.TranscriptPath != "" {
		if t, err := ReadSession(r.TranscriptPath, r.Offsets); err == nil {
			ev.Transcript = &t
		}
	}
	e := EntryFromRun(r, ByRecovery)
	Fill(&e, ev)
	return Close(dir, c, &e) == nil
}

func stale(r *Run, path string, now time.Time) bool {
	if r.LauncherPID == 0 && r.ClaudePID == 0 {
		st, err := os.Stat(path)
		return err == nil && now.Sub(st.ModTime()) > StaleAfter
	}
	if r.LauncherPID != 0 && proc.Alive(r.LauncherPID, r.LauncherTicks) {
		return false
	}
	if r.ClaudePID != 0 && proc.Alive(r.ClaudePID, r.ClaudeTicks) {
		return false
	}
	return true
}

// finishAbandonedClaim handles a state file claimed by a process that died
// before it removed it: if that process got as far as writing the line, the
// claim is just removed; otherwise the run is closed now.
func finishAbandonedClaim(dir, name string) bool {
	i := strings.LastIndex(name, ".closing-")
	pid, err := strconv.Atoi(name[i+len(".closing-"):])
	if err != nil || proc.Alive(pid, 0) {
		return false
	}
	runID := name[:i]
	path := filepath.Join(RunsDir(dir), name)
	if HistoryHasRun(dir, runID) {
		_ = os.Remove(path)
		return false
	}
	r, err := readRunFile(path, runID)
	if err != nil {
		return false
	}
	c := &Claimed{Run: r, path: path}
	ev := Evidence{Run: r, Launched: r.Launched}
	if !r.Ended {
		ev.Unfinished = "unfinished: recorder killed while closing"
	}
	e := EntryFromRun(r, ByRecovery)
	Fill(&e, ev)
	return Close(dir, c, &e) == nil
}

// ClosedElsewhere reports whether run runID, claimed as c, is being or has
// been closed by another process: another claim of the same id is in
// progress (its state is removed only after its line is written), or the
// history already has the run. Hooks registered twice fire side by side, so
// the second SessionEnd can find its own fresh state while the first is
// still writing.
func ClosedElsewhere(dir, runID string, c *Claimed) bool {
	others, _ := filepath.Glob(filepath.Join(RunsDir(dir), SafeName(runID)+".closing-*"))
	for _, o := range others {
		if o != c.path {
			return true
		}
	}
	return HistoryHasRun(dir, runID)
}

// HistoryHasRun looks for run runID in the last megabyte of the history in
// logs directory dir, where a line written moments ago would be.
func HistoryHasRun(dir, runID string) bool {
	f, err := os.Open(HistoryPath(dir))
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	const tail = 1 << 20
	off := st.Size() - tail
	if off < 0 {
		off = 0
	}
	buf, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return false
	}
	return bytes.Contains(buf, []byte(`"run_id":"`+runID+`"`))
}
