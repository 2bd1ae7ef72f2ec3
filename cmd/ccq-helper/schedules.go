package main

import (
	"flag"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/internal/schedwatch"
	"github.com/ccq-dev/ccq/metrics"
	"github.com/ccq-dev/ccq/recorder"
)

// scheduleFlags are the schedule metrics' settings ccq passes on: the
// tasks directory (absolute) and, for tests and "what would it say at T",
// a fixed clock.
type scheduleFlags struct {
	tasksDir, now *string
}

func addScheduleFlags(fs *flag.FlagSet) scheduleFlags {
	return scheduleFlags{
		tasksDir: fs.String("tasks-dir", "", "the tasks directory, for the schedule metrics"),
		now:      fs.String("now", "", "a fixed clock (RFC 3339) for the schedule metrics"),
	}
}

// watch adds the schedule metrics to src, when ccq named a tasks
// directory.
func (f scheduleFlags) watch(src *metrics.Source, historyPath string) error {
	if *f.tasksDir == "" {
		return nil
	}
	var fixed time.Time
	if *f.now != "" {
		t, err := time.Parse(time.RFC3339, *f.now)
		if err != nil {
			return usage("--now %q: want an RFC 3339 time", *f.now)
		}
		fixed = t
	}
	logsDir := ""
	if filepath.Base(historyPath) == recorder.HistoryName {
		logsDir = filepath.Dir(historyPath)
	}
	dir := *f.tasksDir
	src.WatchSchedules(func(now time.Time) ([]metrics.TaskSchedule, error) {
		if !fixed.IsZero() {
			now = fixed
		}
		tasks, err := schedwatch.Scheduled(dir)
		if err != nil {
			return nil, err
		}
		sts, err := schedwatch.Evaluate(historyPath, logsDir, tasks, now)
		if err != nil {
			return nil, err
		}
		out := make([]metrics.TaskSchedule, len(tasks))
		for i, st := range sts {
			out[i] = metrics.TaskSchedule{Task: tasks[i].Name, Next: st.Next, Grace: st.Grace, Missed: len(st.Missed)}
		}
		return out, nil
	})
	return nil
}
