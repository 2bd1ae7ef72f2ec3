package launch

import (
	"testing"
	"time"
)

func TestTaskScheduleKeys(t *testing.T) {
	task, err := ParseTask("/t/n.md", []byte("---\nschedule: \"CRON_TZ=Europe/Berlin 30 2 * * *\"\ngrace: 20m\njitter: 2m\ncatch_up: false\n---\nx\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := task.Settings
	if s.Schedule == nil || s.Schedule.TZ != "Europe/Berlin" || s.Grace != 20*time.Minute || s.Jitter != 2*time.Minute || s.CatchUpOn() {
		t.Errorf("settings %+v", s)
	}
	task, err = ParseTask("/t/n.md", []byte("---\nschedule: \"@daily\"\n---\nx\n"))
	if err != nil || !task.Settings.CatchUpOn() || task.Settings.Grace != 0 {
		t.Errorf("defaults: %+v, %v", task.Settings, err)
	}
	_, err = ParseTask("/t/n.md", []byte("---\ndescription: d\nschedule: \"@every 1h\"\n---\nx\n"))
	if err == nil || err.Error() != `/t/n.md:3: schedule: "@every 1h": @every is not a calendar schedule cron, systemd or launchd can run; write it as cron fields (*/15 * * * *)` {
		t.Errorf("@every: %v", err)
	}
}
