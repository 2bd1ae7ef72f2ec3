// Package schedwatch judges the scheduled tasks of a tasks directory
// against a history: the one computation behind `ccq schedule list`,
// `ccq check`, the report's missed-slot marks and the schedule metrics
// that ccq-helper serves. It links no integration, so both binaries use it.
package schedwatch

import (
	"errors"
	"io/fs"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/schedule"
)

// Scheduled lists the tasks in dir that declare a schedule. A tasks
// directory that does not exist holds none.
func Scheduled(dir string) ([]*launch.Task, error) {
	all, _, err := launch.List(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []*launch.Task
	for _, t := range all {
		if t.Settings.Schedule != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// Policy is a task's schedule settings as package schedule takes them.
func Policy(t *launch.Task) schedule.Policy {
	s := t.Settings
	return schedule.Policy{Grace: s.Grace, Jitter: s.Jitter, CatchUp: s.CatchUpOn()}
}

// Evaluate judges the tasks' slots at now against the history at
// historyPath (and the runs in progress in logsDir, when given).
func Evaluate(historyPath, logsDir string, tasks []*launch.Task, now time.Time) ([]*schedule.Status, error) {
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = t.Name
	}
	h, err := schedule.ReadHistory(historyPath, names, now.Add(-schedule.Window-24*time.Hour))
	if err != nil {
		return nil, err
	}
	var running []*recorder.Run
	if logsDir != "" {
		running = recorder.InProgress(logsDir, now)
	}
	out := make([]*schedule.Status, len(tasks))
	for i, t := range tasks {
		out[i] = schedule.Evaluate(t.Settings.Schedule, Policy(t), h.TaskRuns(t.Name, running), now)
	}
	return out, nil
}
