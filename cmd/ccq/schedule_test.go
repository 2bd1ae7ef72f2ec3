package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScheduleMissingScheduler: with no crontab binary and no systemd user
// manager, install says what is missing and how to get it; remove has
// nothing to do and says so.
func TestScheduleMissingScheduler(t *testing.T) {
	dir := t.TempDir()
	tasks := filepath.Join(dir, "tasks")
	os.MkdirAll(tasks, 0o755)
	os.WriteFile(filepath.Join(tasks, "nightly.md"), []byte("---\nschedule: \"0 3 * * *\"\n---\nx\n"), 0o644)
	env := []string{"HOME=" + dir, "PATH=" + filepath.Join(dir, "empty"), "CCQ_TASKS_DIR=" + tasks, "CCQ_LOGS_DIR=" + filepath.Join(dir, "logs"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"schedule", "install", "--ccq", "/opt/ccq", "--claude", "/opt/claude"}, exitFailure,
			"ccq: error: no scheduler found: no systemd user manager ($XDG_RUNTIME_DIR/systemd/private) and no crontab on $PATH\n" +
				"ccq: hint: install cron (apt-get install --no-install-recommends cron), or pick one with --backend systemd|cron|launchd\n"},
		{[]string{"schedule", "install", "--backend", "cron", "--ccq", "/opt/ccq", "--claude", "/opt/claude"}, exitFailure,
			"ccq: error: cron backend: no crontab binary on $PATH\n" +
				"ccq: hint: install cron (apt-get install --no-install-recommends cron), or use --backend systemd\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, nil, &stdout, &stderr, env)
		if code != tt.code || stderr.String() != tt.want {
			t.Errorf("%s: exit %d, stderr\n%s\nwant exit %d, stderr\n%s", strings.Join(tt.args, " "), code, stderr.String(), tt.code, tt.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"schedule", "remove"}, nil, &stdout, &stderr, env); code != 0 || !strings.Contains(stdout.String(), "nothing to remove") {
		t.Errorf("remove with nothing installed: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "config")); !os.IsNotExist(err) {
		t.Errorf("remove created the unit directory")
	}
}
