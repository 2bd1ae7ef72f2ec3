package metrics

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScheduleMetrics: the schedule series come from the watch at each
// collection; none without a watch or a scheduled task; a failing watch
// is a 1 in ccq_schedule_watch_error; promtool accepts the exposition.
func TestScheduleMetrics(t *testing.T) {
	src := ForLogsDir(t.TempDir())
	src.now = func() time.Time { return time.Unix(1_700_000_000, 0) }
	if err := src.Refresh(); err != nil {
		t.Fatal(err)
	}
	expose := func() string {
		var b bytes.Buffer
		if err := Write(&b, NewRegistry(src)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if out := expose(); strings.Contains(out, "ccq_schedule_") {
		t.Errorf("schedule series without a watch:\n%s", out)
	}
	var asked time.Time
	src.WatchSchedules(func(now time.Time) ([]TaskSchedule, error) {
		asked = now
		return []TaskSchedule{{Task: "nightly", Next: time.Unix(1_700_010_000, 0), Grace: time.Hour, Missed: 2}}, nil
	})
	out := expose()
	for _, want := range []string{
		`ccq_schedule_next_due_timestamp_seconds{task="nightly"} 1.70001e+09`,
		`ccq_schedule_grace_seconds{task="nightly"} 3600`,
		`ccq_schedule_missed_slots{task="nightly"} 2`,
		`ccq_schedule_watch_error 0`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("exposition lacks %q:\n%s", want, out)
		}
	}
	if !asked.Equal(time.Unix(1_700_000_000, 0)) {
		t.Errorf("the watch was asked at %v, want the source's now", asked)
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(out)
		if b, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(b)) != 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, b)
		}
	}
	src.WatchSchedules(func(time.Time) ([]TaskSchedule, error) { return nil, errors.New("tasks unreadable") })
	if out := expose(); !strings.Contains(out, "ccq_schedule_watch_error 1\n") {
		t.Errorf("a failing watch:\n%s", out)
	}
}

// TestPromtoolScheduleRules: the missed-run alert loads and its unit
// tests pass.
func TestPromtoolScheduleRules(t *testing.T) {
	promtool := needTool(t, "promtool")
	dir := filepath.Join("..", "monitoring", "prometheus")
	for _, args := range [][]string{{"check", "rules", "ccq-schedule-alerts.yml"}, {"test", "rules", "ccq-schedule-alerts.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
}
