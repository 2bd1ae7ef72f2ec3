//go:build unix

// Package crontest runs `ccq schedule install --backend cron` against
// Debian's real cron daemon. It is a test binary of its own: inside
// cmd/ccq's, beside that package's other tests, the daemon's job never ran
// (it does alone), so it keeps to a process of its own.
package crontest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/logindex"
	"github.com/ccq-dev/ccq/recorder"
)

// needBin finds an external program: missing under CI=true is a
// failure, locally a skip naming what to install.
func needBin(t *testing.T, name, install string) string {
	t.Helper()
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		if p := filepath.Join(dir, name); isExec(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI): %s", name, install)
	}
	t.Skipf("%s not found: %s", name, install)
	return ""
}

// syncBuffer is a buffer cron's output goes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lockCrontab keeps tests of other test binaries (another checkout's, run
// at the same time) off the user's crontab while this one changes it: a
// test that saved the table with another's entry in it would restore
// that entry, or remove it under the other test's feet.
func lockCrontab(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "ccq-test-crontab.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() }) // registered first: runs after the restore
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// TestCronDaemonRunsInstalledEntry: `ccq schedule install --backend cron`
// writes a `* * * * *` entry into the real crontab; Debian's cron daemon,
// started here, runs it at the next minute boundary and the run lands in the history
// (with a stand-in claude, passed as an absolute --claude, since cron's
// PATH is /usr/bin:/bin); `ccq schedule remove` then leaves the crontab
// byte for byte as it was. The crontab is restored and cron killed even
// when the test fails.
func TestCronDaemonRunsInstalledEntry(t *testing.T) {
	const install = "apt-get install --no-install-recommends cron"
	cronBin := needBin(t, "cron", install)
	crontabBin := needBin(t, "crontab", install)
	lockCrontab(t)

	before, hadTable := readCrontab(t, crontabBin)
	keepLogIndex(t)
	t.Cleanup(func() {
		now, has := readCrontab(t, crontabBin)
		if has == hadTable && bytes.Equal(now, before) {
			return
		}
		var err error
		if hadTable {
			cmd := exec.Command(crontabBin, "-")
			cmd.Stdin = bytes.NewReader(before)
			err = cmd.Run()
		} else {
			err = exec.Command(crontabBin, "-r").Run()
		}
		if err != nil {
			t.Errorf("restoring the crontab: %v", err)
		}
	})

	// The user's own lines, which install and remove must keep byte for
	// byte: the table as it was, or, with none, one seeded here (and
	// deleted again by the cleanup above).
	own := before
	if !hadTable {
		own = []byte("# a line of the user's own\n17 4 * * *  /bin/true  # kept as is\n")
		cmd := exec.Command(crontabBin, "-")
		cmd.Stdin = bytes.NewReader(own)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("crontab -: %v\n%s", err, out)
		}
	}

	var cronLog syncBuffer
	daemon := exec.Command(cronBin, "-f", "-L", "15")
	daemon.Stdout, daemon.Stderr = &cronLog, &cronLog
	daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := daemon.Start(); err != nil {
		t.Fatalf("starting cron: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-daemon.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-daemon.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})

	bin := claudetest.Build(t, "./cmd/ccq")
	dir := t.TempDir()
	project := filepath.Join(dir, "project")
	tasks, logs := filepath.Join(project, "tasks"), filepath.Join(project, "logs", "scheduler")
	os.MkdirAll(tasks, 0o755)
	task := fmt.Sprintf("crontest-%d", os.Getpid())
	os.WriteFile(filepath.Join(tasks, task+".md"), []byte("---\nschedule: \"* * * * *\"\n---\nSay hi.\n"), 0o644)
	claude := filepath.Join(dir, "claude")
	os.WriteFile(claude, []byte("#!/bin/sh\ncat "+filepath.Join(claudetest.RepoRoot(), "launch", "testdata", "stream-tool.jsonl")+"\n"), 0o755)

	ccq := func(args ...string) string {
		cmd := exec.Command(filepath.Join(bin, "ccq"), args...)
		cmd.Dir = project
		cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin:/usr/sbin:/sbin"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ccq %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	ccq("schedule", "install", "--backend", "cron", "--ccq", filepath.Join(bin, "ccq"), "--claude", claude, "--tasks-dir", tasks, "--logs-dir", logs, task)
	installed, _ := readCrontab(t, crontabBin)
	if !bytes.HasPrefix(installed, own) || !bytes.Contains(installed, []byte("* * * * *  cd "+project+" && exec "+filepath.Join(bin, "ccq")+" launch")) {
		t.Fatalf("crontab after install:\n%s", installed)
	}

	history := recorder.HistoryPath(logs)
	// cron runs the entry at the next minute boundary (at most 60 s);
	// the rest is ccq's start on a machine that may be busy with other
	// tests, so the bound is generous and the time taken is logged.
	installedAt := time.Now()
	deadline := installedAt.Add(120 * time.Second)
	for {
		if b, _ := os.ReadFile(history); bytes.Contains(b, []byte(`"task_id":"`+task+`"`)) {
			break
		}
		select {
		case err := <-exited:
			// A cron already running here (it holds the pid file) runs
			// the entry as well; any other exit is a failure.
			if !strings.Contains(cronLog.String(), "already running") && !strings.Contains(cronLog.String(), "can't lock") {
				t.Fatalf("cron exited: %v\n%s", err, cronLog.String())
			}
			exited <- err
		default:
		}
		if time.Now().After(deadline) {
			table, _ := readCrontab(t, crontabBin)
			t.Fatalf("no run of %s in %s within 120 s\ncron's log:\n%s\nthe crontab now:\n%s", task, history, cronLog.String(), table)
		}
		time.Sleep(time.Second)
	}
	t.Logf("cron ran the installed entry %v after the install", time.Since(installedAt).Round(time.Second))
	lines := claudetest.History(t, history)
	if len(lines) == 0 || lines[0].TaskID != task || !lines[0].Success {
		t.Errorf("history %+v: want a successful run of %s", lines, task)
	}
	if out := ccq("schedule", "list", "--tasks-dir", tasks, "--logs-dir", logs); !strings.Contains(out, task+"  every minute  cron") {
		t.Errorf("schedule list:\n%s", out)
	}

	ccq("schedule", "remove", "--backend", "cron", "--tasks-dir", tasks, "--logs-dir", logs, task)
	after, has := readCrontab(t, crontabBin)
	if !has || !bytes.Equal(after, own) {
		t.Errorf("crontab after remove (exists %v):\n%q\nwant:\n%q", has, after, own)
	}
}

// readCrontab is `crontab -l`: the table and whether there is one.
func readCrontab(t *testing.T, bin string) ([]byte, bool) {
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "-l")
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && strings.Contains(errb.String(), "no crontab for") {
		return nil, false
	}
	if err != nil {
		t.Fatalf("crontab -l: %v: %s", err, errb.String())
	}
	return out.Bytes(), true
}

// keepLogIndex puts the user's index of logs directories back as it was
// when the test ends: the job cron runs is a real ccq launch, with the
// user's own $HOME from the password file, and notes its temporary logs
// directory there.
func keepLogIndex(t *testing.T) {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		return
	}
	path := logindex.Path(map[string]string{"HOME": u.HomeDir})
	before, err := os.ReadFile(path)
	had := err == nil
	t.Cleanup(func() {
		if had {
			_ = os.WriteFile(path, before, 0o600)
			return
		}
		_ = os.Remove(path)
		_ = os.Remove(filepath.Dir(path)) // the ccq folder, if the job made it and it is empty
	})
}
