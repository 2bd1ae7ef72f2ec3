//go:build unix

package verify

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCommandHangs: a command that hangs, with a grandchild in its group
// holding the output pipe, is killed at its timeout, grandchild too.
func TestCommandHangs(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "grandchild.pid")
	cmd := `sleep 300 & echo $! > ` + pidFile + `; echo started; wait`
	start := time.Now()
	r := Run(context.Background(), &Spec{Commands: []string{cmd}, Timeout: 500 * time.Millisecond},
		Input{Dir: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, Grace: 200 * time.Millisecond})
	took := time.Since(start)
	c := r.Failed()
	if c == nil || !c.TimedOut || !strings.Contains(r.Detail(), "timed out after 500ms: started") {
		t.Fatalf("report %+v, detail %q", r, r.Detail())
	}
	if took > 20*time.Second {
		t.Errorf("took %v", took)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("grandchild %d outlived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBackgroundLeftover: a command that exits 0 but leaves a background
// process holding its output passes, and the leftover is ended.
func TestBackgroundLeftover(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "bg.pid")
	r := Run(context.Background(), &Spec{Commands: []string{`sleep 300 & echo $! > ` + pidFile}},
		Input{Dir: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, Grace: 100 * time.Millisecond})
	if !r.Passed() {
		t.Fatalf("detail %q", r.Detail())
	}
	b, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(10 * time.Second)
	for pid > 0 && syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("background process %d left running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
