package recorder

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/tinyfs"
)

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
	fs := tinyfs.Mount(t)
	logs := filepath.Join(fs, "logs")
	if err := MkdirNoFollow(logs, RunsDir(logs)); err != nil {
		t.Fatal(err)
	}
	tinyfs.Fill(t, fs)
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
	fs := tinyfs.Mount(t)
	logs := filepath.Join(fs, "logs")
	start := time.Now().Add(-time.Minute)
	// The session starts while there is room.
	if err := AppendEvent(logs, "r1", Event{Ev: EvSessionStart, T: start.UnixMilli(), Task: "t", PID: deadPID(t)}); err != nil {
		t.Fatal(err)
	}
	free := tinyfs.Fill(t, fs)
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
