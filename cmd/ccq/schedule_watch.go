package main

import (
	"time"

	"github.com/ccq-dev/ccq/internal/schedwatch"
	"github.com/ccq-dev/ccq/launch"
)

// scheduleArgs tell ccq-helper where the scheduled tasks are, for the
// schedule metrics it computes at every scrape (an edited schedule counts
// at once), and the fixed clock of $CCQ_NOW when one is set.
// tasksDir is --tasks-dir, as given.
func (a *appEnv) scheduleArgs(tasksDir string) []string {
	args := []string{"--tasks-dir", launch.TasksDir(tasksDir, a.env, a.cwd)}
	if v := a.env[envNow]; v != "" {
		args = append(args, "--now", v)
	}
	return args
}

// reportMissed is the missed slots of the scheduled tasks for `ccq
// report`'s marks; nil when there are none or they cannot be read (the
// report is about the runs: a broken task file is `ccq tasks`' news).
func reportMissed(a *appEnv, tasksDir, historyPath string) (map[string][]time.Time, time.Time) {
	scheduled, _ := schedwatch.Scheduled(launch.TasksDir(tasksDir, a.env, a.cwd))
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
