package main

import (
	"errors"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/metrics"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/urfave/cli/v2"
)

// scheduleWatch is the schedule metrics' source: the tasks dir read again
// at every scrape (an edited schedule counts at once), judged against
// the history at historyPath.
func scheduleWatch(a *appEnv, c *cli.Context, historyPath string) metrics.ScheduleWatch {
	tasksDir := launch.TasksDir(c.String(flagTasksDir), a.env, a.cwd)
	logsDir := ""
	if filepath.Base(historyPath) == recorder.HistoryName {
		logsDir = filepath.Dir(historyPath)
	}
	fixed, err := a.clock()
	return func(now time.Time) ([]metrics.TaskSchedule, error) {
		if err != nil {
			return nil, err
		}
		if _, set := a.env[envNow]; set {
			now = fixed
		}
		all, _, lerr := launch.List(tasksDir)
		if lerr != nil {
			if errors.Is(lerr, fs.ErrNotExist) {
				return nil, nil
			}
			return nil, lerr
		}
		var tasks []*launch.Task
		for _, t := range all {
			if t.Settings.Schedule != nil {
				tasks = append(tasks, t)
			}
		}
		sts, werr := watchTasks(historyPath, logsDir, tasks, now)
		if werr != nil {
			return nil, werr
		}
		out := make([]metrics.TaskSchedule, len(tasks))
		for i, st := range sts {
			out[i] = metrics.TaskSchedule{Task: tasks[i].Name, Next: st.Next, Grace: st.Grace, Missed: len(st.Missed)}
		}
		return out, nil
	}
}

// reportMissed is the missed slots of the scheduled tasks for `ccq
// report`'s marks; nil when there are none or they cannot be read (the
// report is about the runs: a broken task file is `ccq tasks`' news).
func reportMissed(a *appEnv, c *cli.Context, historyPath string) (map[string][]time.Time, time.Time) {
	tasks, _, _ := launch.List(launch.TasksDir(c.String(flagTasksDir), a.env, a.cwd))
	var scheduled []*launch.Task
	for _, t := range tasks {
		if t.Settings.Schedule != nil {
			scheduled = append(scheduled, t)
		}
	}
	now, err := a.clock()
	if err != nil || len(scheduled) == 0 {
		return nil, now
	}
	sts, err := watchTasks(historyPath, "", scheduled, now)
	if err != nil {
		return nil, now
	}
	out := map[string][]time.Time{}
	for i, st := range sts {
		if len(st.Missed) > 0 {
			out[scheduled[i].Name] = st.Missed
		}
	}
	return out, now
}
