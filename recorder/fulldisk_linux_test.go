package recorder

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// tinyFS mounts a small tmpfs for a full-disk test. Without root a test
// can't mount one: locally it skips, under CI (root) that is a failure.
func tinyFS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v (CI runs as root and must be able to)", err)
		}
		t.Skipf("mount tmpfs: %v (run as root to test a full disk)", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill takes every free byte of the filesystem at dir; free gives it back.
func fill(t *testing.T, dir string) (free func()) {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// Fill the last partial block too.
	for {
		if _, err := f.Write(buf[:1]); err != nil {
			break
		}
	}
	f.Close()
	return func() {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}

// deadPID is the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestFullDiskFromTheStart(t *testing.T) {
	fs := tinyFS(t)
	logs := filepath.Join(fs, "logs")
	if err := MkdirNoFollow(logs, RunsDir(logs)); err != nil {
		t.Fatal(err)
	}
	fill(t, fs)
	ev := Event{Ev: EvSessionStart, T: time.Now().UnixMilli(), Task: "t", PID: deadPID(t)}
	if err := AppendEvent(logs, "r1", ev); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("AppendEvent on a full disk: %v, want ENOSPC", err)
	}
	ents, _ := os.ReadDir(RunsDir(logs))
	for _, e := range ents {
		t.Errorf("a full disk left %s behind", e.Name())
	}
}

func TestFullDiskMidSessionRecordedOnceSpaceReturns(t *testing.T) {
	fs := tinyFS(t)
	logs := filepath.Join(fs, "logs")
	start := time.Now().Add(-time.Minute)
	// The session starts while there is room.
	if err := AppendEvent(logs, "r1", Event{Ev: EvSessionStart, T: start.UnixMilli(), Task: "t", PID: deadPID(t)}); err != nil {
		t.Fatal(err)
	}
	free := fill(t, fs)
	// Then the disk fills: its line cannot be kept. (Its SessionEnd may
	// still fit in the state file's last page, or may not.)
	_ = AppendEvent(logs, "r1", Event{Ev: EvSessionEnd, T: time.Now().UnixMilli()})
	if _, err := Record(logs, "r1", Evidence{}, ByHook); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Record on a full disk: %v, want ENOSPC", err)
	}
	// A reader meanwhile shows it as waiting, with the reason.
	runs := InProgress(logs, time.Now())
	if len(runs) != 1 || runs[0].Waiting == "" {
		t.Fatalf("InProgress on a full disk = %+v, want r1 waiting", runs)
	}
	if n, _ := CloseStale(logs, time.Now()); n != 0 {
		t.Errorf("CloseStale closed %d runs with no room to write", n)
	}

	free()
	if runs := InProgress(logs, time.Now()); len(runs) != 0 {
		t.Errorf("InProgress once space returned = %+v, want none (the run is recorded)", runs)
	}
	if n, _ := CloseStale(logs, time.Now()); n != 0 {
		t.Errorf("CloseStale closed %d more runs: recorded twice", n)
	}
	lines := readHistory(t, logs)
	if len(lines) != 1 {
		t.Fatalf("%d history lines, want 1", len(lines))
	}
	if lines[0]["run_id"] != "r1" || lines[0]["recorded_by"] != ByRecovery {
		t.Errorf("line = %v", lines[0])
	}
	ents, _ := os.ReadDir(RunsDir(logs))
	for _, e := range ents {
		t.Errorf("state left behind after recording: %s", e.Name())
	}
}
