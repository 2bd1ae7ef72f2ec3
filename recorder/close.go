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

	"github.com/ccq-dev/ccq/internal/jsonw"
	"github.com/ccq-dev/ccq/internal/proc"
)

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
			if ok, _ := closeIfStale(dir, strings.TrimSuffix(name, ".jsonl"), now); ok {
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

// closeIfStale records run runID if it is stale. closed says whether it
// did; err why a stale run could not be recorded (a full disk).
func closeIfStale(dir, runID string, now time.Time) (closed bool, err error) {
	r, err := ReadRun(dir, runID)
	if err != nil || !stale(r, runFile(dir, runID), now) {
		return false, nil
	}
	// Not Launched: for Record that means "write the line even without the
	// claim", and here a failed claim means the run's own launcher claimed
	// it between ReadRun and now (it was alive a moment ago) and writes it.
	_, err = Record(dir, runID, Evidence{Unfinished: unfinishedWhy(r)}, ByRecovery)
	return err == nil, err
}

// UnfinishedLauncherKilled is the error_detail of a run whose launcher was
// killed before it wrote the run's line.
const UnfinishedLauncherKilled = "unfinished: launcher killed"

// unfinishedWhy says which recorder died before a run ended.
func unfinishedWhy(r *Run) string {
	if r.Launched {
		return UnfinishedLauncherKilled
	}
	return "unfinished: killed before SessionEnd"
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
	return !r.Guarded() // the guardian is ending and recording it
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
	path := filepath.Join(RunsDir(dir), name)
	r, err := readRunFile(path, name[:i])
	if err != nil {
		return false
	}
	c := &Claimed{Run: r, path: path}
	if HistoryHasRun(dir, r.ID) {
		_ = c.Done() // it got as far as writing the line
		return false
	}
	ev := Evidence{Launched: r.Launched, Unfinished: "unfinished: recorder killed while closing"}
	_, err = c.record(dir, ev, ByRecovery)
	return err == nil
}

// ClosedElsewhere reports whether run runID, claimed as c, is being or has
// been closed by another process: another claim of the same id is in
// progress (its state is removed only after its line is written), or the
// history already has the run. Hooks registered twice fire side by side, so
// the second SessionEnd can find its own fresh state while the first is
// still writing.
func ClosedElsewhere(dir, runID string, c *Claimed) bool {
	others, _ := filepath.Glob(filepath.Join(RunsDir(dir), FileName(runID)+".closing-*"))
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
	// as the line spells it, escapes and all
	return bytes.Contains(buf, jsonw.String([]byte(`"run_id":`), runID))
}
