package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/schedule"
)

// pickBackend is --backend, else systemd when a user manager is
// reachable, else cron when crontab(1) is there.
func pickBackend(a *appEnv, f scheduleFlags) (string, error) {
	b := f.backend
	if b != "" {
		if !slices.Contains(schedule.Backends, b) {
			return "", usageErr("--%s %q: want systemd, cron or launchd", flagBackend, b)
		}
		return b, nil
	}
	if schedule.ManagerReachable(a.env) {
		return schedule.BackendSystemd, nil
	}
	if schedule.LookPath("crontab", a.env) != "" {
		return schedule.BackendCron, nil
	}
	return "", withHint(errors.New("no scheduler found: no systemd user manager ($XDG_RUNTIME_DIR/systemd/private) and no crontab on $PATH"),
		"install cron (apt-get install --no-install-recommends cron), or pick one with --"+flagBackend+" systemd|cron|launchd")
}

func crontabFor(a *appEnv) (schedule.Crontab, error) {
	bin := schedule.LookPath("crontab", a.env)
	if bin == "" {
		return schedule.Crontab{}, withHint(errors.New("cron backend: no crontab binary on $PATH"),
			"install cron (apt-get install --no-install-recommends cron), or use --"+flagBackend+" systemd")
	}
	return schedule.Crontab{Bin: bin, Env: environ(a.env)}, nil
}

func systemctlFor(a *appEnv) schedule.Systemctl {
	sc := schedule.Systemctl{Env: environ(a.env)}
	if schedule.ManagerReachable(a.env) {
		sc.Bin = schedule.LookPath("systemctl", a.env)
	}
	return sc
}

// catchUpAll is catch_up of every task in the tasks dir, for cron's
// @reboot entry (which lists the tasks of the whole block).
func catchUpAll(a *appEnv, tasksDir string) map[string]bool {
	out := map[string]bool{}
	tasks, _, _ := launch.List(tasksDir)
	for _, t := range tasks {
		if t.Settings.Schedule != nil && t.Settings.CatchUpOn() {
			out[t.Name] = true
		}
	}
	return out
}

func schedulePlan(a *appEnv, f scheduleFlags) (schedule.Plan, error) {
	p := schedule.Plan{DryRun: f.dryRun, Out: a.stdout}
	var err error
	if p.Paths, err = entryPaths(a, f); err != nil {
		return p, err
	}
	p.CatchUp = catchUpAll(a, p.Paths.TasksDir)
	return p, nil
}

func scheduleInstall(a *appEnv, f scheduleFlags) error {
	backend, err := pickBackend(a, f)
	if err != nil {
		return err
	}
	p, err := schedulePlan(a, f)
	if err != nil {
		return err
	}
	tasks, err := scheduledTasks(a, p.Paths.TasksDir, f.args)
	if err != nil {
		return err
	}
	if len(tasks) == 0 {
		return usageErr("no task in %s has a schedule: add `schedule:` to a task's front matter", p.Paths.TasksDir)
	}
	for _, t := range tasks {
		p.Jobs = append(p.Jobs, schedule.Job{Task: t.Name, Spec: t.Settings.Schedule, CatchUp: t.Settings.CatchUpOn(),
			Jitter: t.Settings.Jitter, Argv: p.Paths.LaunchArgv(t.Name), Dir: p.Paths.Dir})
	}
	if p.Paths.Claude == "" {
		fmt.Fprintf(a.stderr, "ccq: warning: no claude on $PATH: the entries look for it on the scheduler's PATH (set --%s)\n", flagClaude)
	}
	if p.Watchdog = f.watchdog; p.Watchdog != 0 {
		if backend == schedule.BackendLaunchd {
			return usageErr("--%s is written for cron or systemd, not launchd", flagWatchdog)
		}
		if _, err := schedule.WatchdogSchedule(p.Watchdog); err != nil {
			return withCode(exitUsage, err)
		}
	}
	switch backend {
	case schedule.BackendCron:
		ct, err := crontabFor(a)
		if err == nil {
			err = schedule.InstallCron(ct, p)
		}
		return backendErr(err)
	case schedule.BackendSystemd:
		return backendErr(schedule.InstallSystemd(schedule.UserUnitDir(a.env), systemctlFor(a), p))
	}
	return backendErr(schedule.InstallLaunchd(schedule.LaunchAgentsDir(a.env), p))
}

// backendErr makes a schedule a backend cannot express a usage error.
func backendErr(err error) error {
	if errors.Is(err, schedule.ErrCannotExpress) {
		return withCode(exitUsage, err)
	}
	return err
}

func scheduleRemove(a *appEnv, f scheduleFlags) error {
	p := schedule.Plan{DryRun: f.dryRun, Out: a.stdout, Remove: f.args}
	// Paths only matter for the rewritten @reboot entry.
	p.Paths, _ = entryPaths(a, f)
	p.CatchUp = catchUpAll(a, p.Paths.TasksDir)
	backends := []string{f.backend}
	if backends[0] == "" {
		// Wherever ccq's entries are: a task renamed or deleted since
		// install is still cleaned up.
		backends = nil
		if schedule.LookPath("crontab", a.env) != "" {
			backends = append(backends, schedule.BackendCron)
		}
		backends = append(backends, schedule.BackendSystemd, schedule.BackendLaunchd)
	} else if !slices.Contains(schedule.Backends, backends[0]) {
		return usageErr("--%s %q: want systemd, cron or launchd", flagBackend, backends[0])
	}
	for _, b := range backends {
		var err error
		switch b {
		case schedule.BackendCron:
			var ct schedule.Crontab
			if ct, err = crontabFor(a); err == nil {
				err = schedule.RemoveCron(ct, p)
			}
		case schedule.BackendSystemd:
			err = schedule.RemoveSystemd(schedule.UserUnitDir(a.env), systemctlFor(a), p)
		case schedule.BackendLaunchd:
			err = schedule.RemoveLaunchd(schedule.LaunchAgentsDir(a.env), p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// envCatchUpSlot carries a catch-up run's slot from `ccq schedule
// catch-up` to the `ccq launch` it starts, which records it.
const envCatchUpSlot = "CCQ_CATCH_UP_SLOT"

// scheduleCatchUp launches, one after the other, each named task whose
// newest slot was missed and that has not run since. Each launch is an
// ordinary `ccq launch` (overlap rules apply) whose line says it is a
// catch-up and for which slot.
func scheduleCatchUp(a *appEnv, f scheduleFlags) error {
	if len(f.args) == 0 {
		return usageErr("schedule catch-up needs the tasks to look at")
	}
	now, err := a.clock()
	if err != nil {
		return err
	}
	tasksDir := launch.TasksDir(f.tasksDir, a.env, a.cwd)
	logsDir := f.logsDir
	var tasks []*launch.Task
	for _, n := range f.args {
		t, err := launch.Resolve(n, tasksDir, a.cwd)
		if err != nil || t.Settings.Schedule == nil || !t.Settings.CatchUpOn() {
			continue // deleted, or no longer scheduled: nothing to catch up
		}
		tasks = append(tasks, t)
	}
	sts, err := watchTasks(recorder.HistoryPath(logsDir), logsDir, tasks, now)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var failed []string
	for i, st := range sts {
		slot := st.LastMissed()
		if slot.IsZero() || st.Running {
			continue
		}
		args := []string{"launch", "--logs-dir", logsDir, "--tasks-dir", tasksDir}
		if cl := f.claude; cl != "" {
			args = append(args, "--claude", cl)
		}
		cmd := exec.Command(exe, append(args, tasks[i].Name)...)
		cmd.Env = append(environ(a.env), envCatchUpSlot+"="+slot.UTC().Format(time.RFC3339))
		cmd.Dir, cmd.Stdout, cmd.Stderr = a.cwd, a.stdout, a.stderr
		if err := cmd.Run(); err != nil {
			failed = append(failed, tasks[i].Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("schedule catch-up: %s failed", strings.Join(failed, ", "))
	}
	return nil
}

// catchUpSink marks a catch-up run's line: catch_up and catch_up_slot.
type catchUpSink struct{ slot string }

// catchUpSinks is the catch-up sink when $CCQ_CATCH_UP_SLOT is set (by
// `ccq schedule catch-up`), or when systemd ($INVOCATION_ID) starts a
// scheduled task later than its newest slot's grace: a Persistent= timer
// making up for a slot missed while the machine was off.
func catchUpSinks(a *appEnv, t *launch.Task) []launch.Sink {
	slot := a.env[envCatchUpSlot]
	if _, err := time.Parse(time.RFC3339, slot); err == nil {
		return []launch.Sink{catchUpSink{slot: slot}}
	}
	s := t.Settings
	if a.env["INVOCATION_ID"] == "" || s.Schedule == nil {
		return nil
	}
	now, err := a.clock()
	if err != nil {
		now = time.Now()
	}
	prev := s.Schedule.Previous(now, schedule.Window)
	grace := s.Grace
	if grace <= 0 {
		grace = s.Schedule.DefaultGrace()
	}
	if prev.IsZero() || now.Sub(prev) <= grace+s.Jitter {
		return nil
	}
	return []launch.Sink{catchUpSink{slot: prev.UTC().Format(time.RFC3339)}}
}

func (catchUpSink) Started(context.Context, launch.RunInfo) error { return nil }
func (catchUpSink) Finished(context.Context, launch.RunInfo, recorder.Entry) error {
	return nil
}

// Annotate adds the extras to the run's line.
func (s catchUpSink) Annotate(launch.RunInfo) map[string]any {
	return map[string]any{schedule.ExtraCatchUp: true, schedule.ExtraCatchUpSlot: s.slot}
}
