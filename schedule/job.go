package schedule

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Backends.
const (
	BackendSystemd = "systemd"
	BackendCron    = "cron"
	BackendLaunchd = "launchd"
)

// Backends lists the backends install takes.
var Backends = []string{BackendSystemd, BackendCron, BackendLaunchd}

// Job is one task's entry in a scheduler: when, and the command that
// runs it, with absolute paths only.
type Job struct {
	Task    string
	Spec    *Spec
	CatchUp bool
	Jitter  time.Duration
	Argv    []string // absolute ccq, "launch", its flags, the task name
	Dir     string   // working directory of the run
}

// ErrCannotExpress is wrapped by the error for a schedule a backend
// cannot run as written.
var ErrCannotExpress = errors.New("cannot be expressed")

// Paths is where the entries point: everything absolute, so the entry
// does not depend on the scheduler's working directory or PATH.
type Paths struct {
	CCQ      string // the ccq binary (os.Executable)
	LogsDir  string
	TasksDir string
	Claude   string // claude binary; "" when not found (launch looks again)
	Dir      string // working directory of the runs: the project directory
}

// Check refuses a relative path: the scheduler's cwd is not ours.
func (p Paths) Check() error {
	for _, v := range []string{p.CCQ, p.LogsDir, p.TasksDir, p.Dir} {
		if !filepath.IsAbs(v) {
			return fmt.Errorf("path %q is not absolute", v)
		}
	}
	if p.Claude != "" && !filepath.IsAbs(p.Claude) {
		return fmt.Errorf("claude path %q is not absolute", p.Claude)
	}
	return nil
}

// LaunchArgv is the command an entry runs for task.
func (p Paths) LaunchArgv(task string) []string {
	return append(p.common("launch"), task)
}

// CatchUpArgv runs `ccq schedule catch-up` for tasks (cron's @reboot).
func (p Paths) CatchUpArgv(tasks []string) []string {
	a := append([]string{p.CCQ, "schedule", "catch-up", "--logs-dir", p.LogsDir, "--tasks-dir", p.TasksDir}, p.claudeArgs()...)
	return append(a, tasks...)
}

// WatchdogArgv runs `ccq check --schedules` (the watchdog): it fails,
// and sends to $CCQ_NOTIFY when that is set, on a missed slot.
func (p Paths) WatchdogArgv() []string {
	return []string{p.CCQ, "check", "--logs-dir", p.LogsDir, "--tasks-dir", p.TasksDir, "--schedules"}
}

func (p Paths) common(cmd string) []string {
	return append([]string{p.CCQ, cmd, "--logs-dir", p.LogsDir, "--tasks-dir", p.TasksDir}, p.claudeArgs()...)
}

func (p Paths) claudeArgs() []string {
	if p.Claude == "" {
		return nil
	}
	return []string{"--claude", p.Claude}
}

// LookPath finds name on the PATH of env (not ccq's own environment).
func LookPath(name string, env map[string]string) string {
	if strings.ContainsRune(name, '/') {
		return name
	}
	for _, d := range filepath.SplitList(env["PATH"]) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
