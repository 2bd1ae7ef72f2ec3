//go:build unix

package launch

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/recorder"
)

// waitExit waits for cmd to end, killing it if it has not within d: an
// interrupted launch must not sit out its wait. It returns the exit code.
func waitExit(t *testing.T, cmd interface{ Wait() error }, kill func(), d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(err)
	case <-time.After(d):
		kill()
		<-done
		t.Fatalf("still running %v after the signal", d)
		return 0
	}
}

// TestSignalDuringBackoff: SIGTERM to a launch waiting between attempts
// (--retry-delay of hours) ends it at once with 128+15, and the history
// keeps the one line of the attempt that ran.
func TestSignalDuringBackoff(t *testing.T) {
	p := newProject(t, "Do the job.")
	p.env = append(p.env, "STANDIN_ONCE="+filepath.Join(p.dir, "once"))
	cmd := p.ccq(t, "launch", "--retries", "3", "--retry-delay", "1000h", "--retry-max-delay", "1000h",
		"--claude", standIn(t, "flaky.sh"), "job")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	hist := recorder.HistoryPath(p.logs)
	waitFile(t, hist, 20*time.Second) // attempt 1 is recorded: the launch waits
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd, func() { cmd.Process.Kill() }, 20*time.Second); code != 128+15 {
		t.Errorf("exit code %d, want 143; stderr:\n%s", code, stderr.String())
	}
	if h := claudetest.History(t, hist); len(h) != 1 {
		t.Errorf("history %+v, want attempt 1 alone", h)
	}
	if _, err := os.Stat(filepath.Join(p.dir, "started")); err == nil {
		t.Error("attempt 2 started")
	}
}

// TestSignalDuringLockWait: with --overlap wait, SIGTERM to a launch
// waiting for the task's lock ends it at once with 128+15 and a message
// saying what it was doing; it records nothing and the run holding the
// lock goes on.
func TestSignalDuringLockWait(t *testing.T) {
	p := newProject(t, "Do the job.")
	holder := p.ccq(t, "launch", "--grace", "2s", "--claude", standIn(t, "sleep.sh"), "job")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	child, _ := strconv.Atoi(waitFile(t, filepath.Join(p.dir, "started"), 10*time.Second))
	t.Cleanup(func() { syscall.Kill(-child, syscall.SIGKILL) })

	waiter := p.ccq(t, "launch", "--overlap", "wait", "--claude", standIn(t, "sleep.sh"), "job")
	var stderr bytes.Buffer
	waiter.Stderr = &stderr
	if err := waiter.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { waiter.Process.Kill() })
	// The waiter is waiting once it has tried the lock: its holder file
	// names the holder still, and the waiter polls. Give it time to get
	// there (ccq starts in milliseconds; a second is ample).
	time.Sleep(time.Second)
	waiter.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, waiter, func() { waiter.Process.Kill() }, 20*time.Second); code != 128+15 {
		t.Errorf("exit code %d, want 143; stderr:\n%s", code, stderr.String())
	}
	if want := "interrupted by SIGTERM while waiting for the task's lock"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
	if _, err := os.Stat(recorder.HistoryPath(p.logs)); err == nil {
		t.Errorf("history written: %v", claudetest.History(t, recorder.HistoryPath(p.logs)))
	}
	if err := syscall.Kill(child, 0); err != nil {
		t.Errorf("the holder's run %d ended: %v", child, err)
	}
}
