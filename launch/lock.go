package launch

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// Locks are flock(2) (Windows: LockFileEx) locks on files in <logs>/.locks: the kernel releases
// one when the process holding it dies, SIGKILL included, so a lock file
// left behind means nothing. os.OpenFile opens with O_CLOEXEC: neither
// claude nor the guardian inherits the descriptor, so only the launcher
// holds the lock.

// LocksDir is where the lock files of a logs directory live.
func LocksDir(logsDir string) string { return filepath.Join(logsDir, ".locks") }

// TaskLockPath is the lock file of a task.
func TaskLockPath(logsDir, task string) string {
	return filepath.Join(LocksDir(logsDir), recorder.FileName(task)+".lock")
}

// lockHolder is what a lock file says about the launcher holding it.
type lockHolder struct {
	PID   int    `json:"pid"`
	RunID string `json:"run_id,omitempty"`
}

// fileLock is a lock held.
type fileLock struct{ f *os.File }

// tryLock takes the lock at path if it is free; nil, nil if it is not.
func tryLock(path string) (*fileLock, error) {
	// .locks must be a real directory and a lock file a real file: as
	// root, a link planted at either would truncate whatever it names.
	dir := filepath.Dir(path)
	if err := recorder.MkdirNoFollow(filepath.Dir(dir), dir); err != nil {
		return nil, err
	}
	f, err := recorder.OpenNoFollow(path, os.O_RDWR|os.O_CREATE|syscall.O_NONBLOCK, recorder.FileMode)
	if err != nil {
		return nil, err
	}
	taken, err := recorder.TryLock(f)
	if err == nil && !taken {
		f.Close()
		return nil, nil
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	l := &fileLock{f}
	l.note("")
	return l, nil
}

// note writes the holder into the lock file, for a launch that finds it
// taken.
func (l *fileLock) note(runID string) {
	if l == nil {
		return
	}
	b := lockHolder{PID: os.Getpid(), RunID: runID}.appendJSON(make([]byte, 0, 64))
	_ = l.f.Truncate(0)
	_, _ = l.f.WriteAt(append(b, '\n'), 0)
}

func (l *fileLock) release() {
	if l != nil {
		l.f.Close() // closing the last descriptor drops the flock
	}
}

// readHolder reads who holds the lock at path, as far as it says.
func readHolder(path string) lockHolder {
	f, err := recorder.OpenNoFollow(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return lockHolder{}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4<<10))
	if err != nil {
		return lockHolder{}
	}
	return parseHolder(b)
}

// lockPoll is the first and the longest pause between two tries of a lock
// being waited for.
const (
	lockPollMin = 20 * time.Millisecond
	lockPollMax = 500 * time.Millisecond
)

// waitLock tries take until it gets a lock or deadline (zero: none)
// passes; then it returns nil, nil. An interruption (ctx) ends the wait at
// once with an *InterruptError saying what the launch was doing (while).
func waitLock(ctx context.Context, while string, take func() (*fileLock, error), deadline time.Time) (*fileLock, error) {
	pause := lockPollMin
	for {
		l, err := take()
		if l != nil || err != nil {
			return l, err
		}
		d, last := pause, false
		if !deadline.IsZero() && !time.Now().Add(pause).Before(deadline) {
			if d = time.Until(deadline); d <= 0 {
				return nil, nil
			}
			last = true
		}
		if !sleep(ctx, d) {
			return nil, &InterruptError{Signal: interruption(ctx), While: while}
		}
		if last {
			return take()
		}
		pause = min(pause*2, lockPollMax)
	}
}

// sleep waits d; it returns false, at once, if ctx is cancelled first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// trySlot takes one of n slot locks, if one is free.
func trySlot(logsDir string, n int) (*fileLock, error) {
	for i := range n {
		l, err := tryLock(filepath.Join(LocksDir(logsDir), "slot-"+strconv.Itoa(i)+".lock"))
		if l != nil || err != nil {
			return l, err
		}
	}
	return nil, nil
}
