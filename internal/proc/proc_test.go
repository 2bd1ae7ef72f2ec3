//go:build linux

package proc

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	line := "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100"
	st, ok := parseStat([]byte(line))
	if !ok {
		t.Fatal("parseStat: not ok")
	}
	if ticks, ok := st.startTicks(); !ok || ticks != 987654 {
		t.Errorf("startTicks = %d, %v; want 987654", ticks, ok)
	}
	if g, ok := st.group(); !ok || g != 4242 {
		t.Errorf("group = %d, %v; want 4242", g, ok)
	}
	if st.zombie() {
		t.Error("zombie: want false for state S")
	}
	for _, bad := range []string{"", "12 (x", "12 (x) S 1 2"} {
		if _, ok := parseStat([]byte(bad)); ok {
			t.Errorf("parseStat(%q) ok, want not", bad)
		}
	}
}

func TestStartAndAlive(t *testing.T) {
	ticks, start, ok := Start(os.Getpid())
	if !ok || ticks == 0 {
		t.Fatalf("Start(self) = %d, %v", ticks, ok)
	}
	if d := time.Since(start); d < 0 || d > time.Hour {
		t.Errorf("own start %v ago: not plausible for a test process", d)
	}
	if !Alive(os.Getpid(), ticks) {
		t.Error("Alive(self, own ticks) = false")
	}
	if Alive(os.Getpid(), ticks+1) {
		t.Error("Alive(self, other ticks) = true: pid reuse not told apart")
	}
	if Alive(0, 0) || Alive(-1, 0) {
		t.Error("Alive of pid <= 0 = true")
	}

	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if !Alive(pid, 0) {
		t.Error("Alive(running child) = false")
	}
	_ = cmd.Process.Kill()
	// Until it is reaped the child is a zombie, which is not alive.
	for i := 0; i < 500 && Alive(pid, 0); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if Alive(pid, 0) {
		t.Error("Alive(killed child, a zombie) = true")
	}
	_ = cmd.Wait()
}

func TestGroupAndEscaped(t *testing.T) {
	const entry = "CCQ_PROC_TEST=group-and-escaped"
	// A group leader with a child in its group, and a process that left
	// for a session of its own, both carrying the entry.
	leader := exec.Command("sh", "-c", "sleep 60 & setsid sleep 61 & wait")
	leader.Env = append(os.Environ(), entry)
	leader.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := leader.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := leader.Process.Pid
	defer func() {
		for _, pid := range Escaped(pgid, entry, ScanAll) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		_ = leader.Wait()
	}()
	var members, escaped []int
	for i := 0; i < 500; i++ {
		members, escaped = GroupMembers(pgid), Escaped(pgid, entry, ScanNewer)
		if len(members) == 2 && len(escaped) == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(members) != 2 {
		t.Errorf("GroupMembers = %v, want the leader and its sleep", members)
	}
	if len(escaped) != 1 {
		t.Fatalf("Escaped = %v, want the one setsid sleep", escaped)
	}
	if all := Escaped(pgid, entry, ScanAll); len(all) != 1 || all[0] != escaped[0] {
		t.Errorf("Escaped(ScanAll) = %v, want %v", all, escaped)
	}
	if n := Escaped(0, entry, ScanAll); len(n) != 3 {
		t.Errorf("Escaped(no group) = %v, want all three processes", n)
	}
	if Escaped(pgid, "", ScanAll) != nil {
		t.Error("Escaped with no entry found processes")
	}
}

func TestCPUTicks(t *testing.T) {
	self, _, ok := CPUTicks(os.Getpid())
	if runtime.GOOS != "linux" {
		return
	}
	// Burn CPU until the kernel has counted a tick of it.
	for end := time.Now().Add(5 * time.Second); ok && self == 0 && time.Now().Before(end); {
		for i := 0; i < 1e6; i++ {
			_ = i * i
		}
		self, _, ok = CPUTicks(os.Getpid())
	}
	if !ok || self <= 0 {
		t.Errorf("CPUTicks(self) = %d, %v", self, ok)
	}
	if _, _, ok := CPUTicks(1 << 30); ok {
		t.Error("CPUTicks of no process: ok")
	}
}
