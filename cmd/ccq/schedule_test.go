package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
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

// TestCheckNotifiesMissedSlot: ccq check --notify sends the missed slot
// (the watchdog's message) to a real HTTP endpoint, and still exits 1
// with it on stderr.
func TestCheckNotifiesMissedSlot(t *testing.T) {
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer srv.Close()
	dir := t.TempDir()
	tasks, logs := filepath.Join(dir, "tasks"), filepath.Join(dir, "logs")
	os.MkdirAll(tasks, 0o755)
	os.MkdirAll(logs, 0o755)
	os.WriteFile(filepath.Join(tasks, "nightly.md"), []byte("---\nschedule: \"CRON_TZ=UTC 0 3 * * *\"\n---\nx\n"), 0o644)
	os.WriteFile(filepath.Join(logs, "history.jsonl"), []byte(`{"task_id":"nightly","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"2026-03-08T03:00:01.000Z"}`+"\n"), 0o644)
	env := []string{"HOME=" + dir, "PATH=/usr/bin:/bin", "CCQ_TASKS_DIR=" + tasks, "CCQ_LOGS_DIR=" + logs, "CCQ_NOW=2026-03-10T12:00:00Z",
		"CCQ_HELPER=" + helperPath(t)} // it sends the message
	var stdout, stderr bytes.Buffer
	code := run([]string{"check", "--schedules", "--notify", srv.URL}, nil, &stdout, &stderr, env)
	want := "task nightly: no run started for its slot 2026-03-10 03:00 UTC (9h 0m ago, grace 1h), and 1 missed slot before it"
	if code != exitFailure || stderr.String() != "ccq: error: "+want+"\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	select {
	case body := <-got:
		if !strings.Contains(body, want) {
			t.Errorf("webhook body %s, want it to hold %q", body, want)
		}
	default:
		t.Errorf("nothing was sent")
	}
}
