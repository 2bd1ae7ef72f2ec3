package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/ccq-dev/ccq/internal/schedwatch"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/schedule"
	"github.com/urfave/cli/v2"
)

const (
	flagBackend  = "backend"
	flagWatchdog = "watchdog"
	flagCCQ      = "ccq"
	// envNow fixes ccq's idea of now for the schedule watch (RFC 3339):
	// what would `ccq check` say at that time. Tests use it.
	envNow = "CCQ_NOW"
)

// clock is now, or $CCQ_NOW.
func (a *appEnv) clock() (time.Time, error) {
	v := a.env[envNow]
	if v == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageErr("$%s %q: want an RFC 3339 time such as 2026-03-01T03:00:00Z", envNow, v)
	}
	return t, nil
}

func createScheduleCommand(a *appEnv) *cli.Command {
	dirs := func(more ...cli.Flag) []cli.Flag { return append([]cli.Flag{logsDirFlag(), tasksDirFlag()}, more...) }
	backend := &cli.StringFlag{Name: flagBackend, Usage: "systemd, cron or launchd (default: systemd when a user manager is reachable, else cron)"}
	dry := &cli.BoolFlag{Name: flagDryRun, Usage: "print exactly what would be written, change nothing"}
	return &cli.Command{
		Name:  "schedule",
		Usage: "install tasks' schedules into systemd, cron or launchd, and watch for runs that never happened",
		Description: `A task's front matter declares when it runs (schedule: "0 3 * * *", @daily,
"CRON_TZ=Europe/Berlin 30 2 * * *"), how late a run may start (grace:), whether a
missed slot runs once later (catch_up:, default true) and a random delay
(jitter:, systemd only). The machine's scheduler runs ` + "`ccq launch`" + `; ccq watches:
` + "`ccq schedule list`" + ` and ` + "`ccq check`" + ` name the slots no run started in.`,
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "each scheduled task: schedule, backend, last run, next due, state",
				Flags: dirs(),
				Action: func(c *cli.Context) error {
					return scheduleList(a, readScheduleFlags(a, c))
				},
			},
			{
				Name:      "install",
				Usage:     "write the entries that run the tasks (all scheduled tasks when none is named)",
				ArgsUsage: "[TASK…]",
				Flags: dirs(backend, dry,
					&cli.StringFlag{Name: flagClaude, Usage: "claude binary the runs use (default: $" + launch.EnvClaude + ", else claude on $PATH now)"},
					&cli.StringFlag{Name: flagCCQ, Usage: "ccq binary the entries run (default: this one)"},
					&cli.DurationFlag{Name: flagWatchdog, Usage: "also run `ccq check --schedules` every D (15m), failing on a missed slot (cron and systemd)"}),
				Action: func(c *cli.Context) error { return scheduleInstall(a, readScheduleFlags(a, c)) },
			},
			{
				Name:      "remove",
				Usage:     "take ccq's entries out again (all when no task is named)",
				ArgsUsage: "[TASK…]",
				Flags:     dirs(backend, dry),
				Action:    func(c *cli.Context) error { return scheduleRemove(a, readScheduleFlags(a, c)) },
			},
			{
				Name:      "catch-up",
				Usage:     "run once each named task whose latest slot was missed (cron's @reboot entry)",
				ArgsUsage: "TASK…",
				Flags:     dirs(&cli.StringFlag{Name: flagClaude, Usage: "claude binary"}),
				Action:    func(c *cli.Context) error { return scheduleCatchUp(a, readScheduleFlags(a, c)) },
			},
		},
	}
}

// scheduledTasks reads the tasks dir: the tasks with a schedule, by
// name. Named tasks must exist and have one.
func scheduledTasks(a *appEnv, tasksDir string, names []string) ([]*launch.Task, error) {
	if len(names) > 0 {
		var out []*launch.Task
		for _, n := range names {
			t, err := launch.Resolve(n, tasksDir, a.cwd)
			if err != nil {
				return nil, withCode(exitUsage, err)
			}
			if t.Settings.Schedule == nil {
				return nil, usageErr("task %s has no schedule: add `schedule:` to the front matter of %s", t.Name, t.Path)
			}
			out = append(out, t)
		}
		return out, nil
	}
	all, bad, err := launch.List(tasksDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range bad {
		fmt.Fprintf(a.stderr, "ccq: warning: %v\n", e)
	}
	var out []*launch.Task
	for _, t := range all {
		if t.Settings.Schedule != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// watchTasks evaluates the tasks' slots against the history at
// historyPath (and runs in progress in logsDir, when given).
func watchTasks(historyPath, logsDir string, tasks []*launch.Task, now time.Time) ([]*schedule.Status, error) {
	return schedwatch.Evaluate(historyPath, logsDir, tasks, now)
}

// installedTasks says where each task's entries are: backend by task
// name, from the crontab block, the systemd unit directory and the
// LaunchAgents folder.
func installedTasks(a *appEnv) map[string]string {
	out := map[string]string{}
	for task := range schedule.LaunchdInstalled(schedule.LaunchAgentsDir(a.env)) {
		out[task] = schedule.BackendLaunchd
	}
	if bin := schedule.LookPath("crontab", a.env); bin != "" {
		if text, err := (schedule.Crontab{Bin: bin, Env: environ(a.env)}).Read(); err == nil {
			if t, err := schedule.ParseCrontab(text); err == nil {
				for _, task := range t.Tasks() {
					out[task] = schedule.BackendCron
				}
			}
		}
	}
	for task := range schedule.SystemdInstalled(schedule.UserUnitDir(a.env)) {
		out[task] = schedule.BackendSystemd
	}
	return out
}

func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// scheduleFlags are the command lines of `ccq schedule`'s commands, read
// once by their actions (a flag a command lacks reads as its zero value).
type scheduleFlags struct {
	args     []string // the task names
	tasksDir string   // --tasks-dir, as given
	logsDir  string   // resolved
	ccq      string   // --ccq, as given
	claude   string
	backend  string
	dryRun   bool
	watchdog time.Duration
}

// readScheduleFlags reads the command line of a `ccq schedule` command.
func readScheduleFlags(a *appEnv, c *cli.Context) scheduleFlags {
	return scheduleFlags{args: c.Args().Slice(), tasksDir: c.String(flagTasksDir), logsDir: readLogsDir(a, c),
		ccq: c.String(flagCCQ), claude: c.String(flagClaude), backend: c.String(flagBackend),
		dryRun: c.Bool(flagDryRun), watchdog: c.Duration(flagWatchdog)}
}

func scheduleList(a *appEnv, f scheduleFlags) error {
	if len(f.args) > 0 {
		return usageErr("schedule list takes no arguments")
	}
	now, err := a.clock()
	if err != nil {
		return err
	}
	tasksDir := launch.TasksDir(f.tasksDir, a.env, a.cwd)
	tasks, err := scheduledTasks(a, tasksDir, nil)
	if err != nil {
		return err
	}
	logsDir := f.logsDir
	sts, err := watchTasks(recorder.HistoryPath(logsDir), logsDir, tasks, now)
	if err != nil {
		return err
	}
	installed := installedTasks(a)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSCHEDULE\tINSTALLED\tLAST RUN\tNEXT DUE\tSTATE")
	seen := map[string]bool{}
	for i, t := range tasks {
		st := sts[i]
		seen[t.Name] = true
		inst := installed[t.Name]
		state := st.Label()
		if inst == "" {
			inst = "no"
			if st.State == schedule.StateNeverRun {
				state = schedule.StateNotInstalled
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, st.Spec.Describe(), inst, lastRun(st), when(st.Next, st.Spec.Loc), state)
	}
	// Entries whose task was renamed, deleted or lost its schedule.
	for _, task := range sortedNames(installed) {
		if !seen[task] {
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t-\tno scheduled task of that name: `ccq schedule remove %s`\n", task, installed[task], task)
		}
	}
	tw.Flush()
	if len(tasks) == 0 && len(installed) == 0 {
		fmt.Fprintf(a.stderr, "ccq: no task in %s has a schedule\n", tasksDir)
	}
	return nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func lastRun(st *schedule.Status) string {
	if st.LastRun == nil {
		return "-"
	}
	return when(st.LastRun.Start, st.Spec.Loc) + " " + st.LastRun.Outcome
}

// scheduleMisses are `ccq check`'s findings on the schedules of tasks,
// judged at a.clock(): one line per task with missed slots, naming the
// newest and how long ago.
func (a *appEnv) scheduleMisses(historyPath string, tasks []*launch.Task) ([]string, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	now, err := a.clock()
	if err != nil {
		return nil, err
	}
	logsDir := ""
	if filepath.Base(historyPath) == recorder.HistoryName {
		logsDir = filepath.Dir(historyPath)
	}
	sts, err := watchTasks(historyPath, logsDir, tasks, now)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, st := range sts {
		if len(st.Missed) == 0 {
			continue
		}
		last := st.Missed[len(st.Missed)-1]
		msg := fmt.Sprintf("task %s: no run started for its slot %s (%s ago, grace %s)",
			tasks[i].Name, last.In(st.Spec.Loc).Format("2006-01-02 15:04 MST"), ago(now.Sub(last)), shortDuration(st.Grace))
		if n := len(st.Missed) - 1; n > 0 {
			msg += fmt.Sprintf(", and %s before it", schedule.Count(n, "missed slot"))
		}
		out = append(out, msg)
	}
	return out, nil
}

// ago is a duration in one or two units: 3d 4h, 2h 5m, 12m.
func ago(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}

// taskSchedule is the SCHEDULE column of `ccq tasks`.
func taskSchedule(t *launch.Task) string {
	if t.Settings.Schedule == nil {
		return "-"
	}
	return t.Settings.Schedule.Describe()
}

// absPath makes p absolute against cwd.
func absPath(p, cwd string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cwd, p)
}

// entryPaths are the absolute paths the entries carry.
func entryPaths(a *appEnv, f scheduleFlags) (schedule.Paths, error) {
	p := schedule.Paths{
		CCQ:      absPath(f.ccq, a.cwd),
		LogsDir:  f.logsDir,
		TasksDir: launch.TasksDir(f.tasksDir, a.env, a.cwd),
		Claude:   f.claude,
		Dir:      a.cwd,
	}
	if d := a.env[recorder.EnvProjectDir]; d != "" {
		p.Dir = absPath(d, a.cwd)
	}
	if p.CCQ == "" {
		exe, err := os.Executable()
		if err != nil {
			return p, fmt.Errorf("cannot find ccq's own path: %w", err)
		}
		p.CCQ = exe
	}
	if p.Claude == "" {
		p.Claude = a.env[launch.EnvClaude]
	}
	if p.Claude == "" {
		p.Claude = schedule.LookPath("claude", a.env)
	}
	p.Claude = absPath(p.Claude, a.cwd)
	return p, p.Check()
}
