package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// TestRunsShowsRunsInProgress: a run with no history line yet, whose
// launcher is alive (here: this test process), is listed as in progress; it
// is neither closed nor hidden.
func TestRunsShowsRunsInProgress(t *testing.T) {
	logs := t.TempDir()
	ticks, _, _ := recorder.ProcStart(os.Getpid())
	start := time.Now().Add(-90 * time.Second)
	ev := recorder.Event{Ev: recorder.EvLaunch, T: start.UnixMilli(), Task: "nightly", Log: filepath.Join(logs, "n.md"), PID: os.Getpid(), PTicks: ticks}
	if err := recorder.AppendEvent(logs, "run-live", ev, true); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--logs-dir", logs, "runs"}, nil, &stdout, &stderr, []string{"HOME=/no-home"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"in progress:", "nightly", "run-live", "1m30s", "no runs recorded yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(recorder.RunsDir(logs), "run-live.jsonl")); err != nil {
		t.Errorf("the live run was closed: %v", err)
	}
	// --task filters runs in progress too.
	stdout.Reset()
	run([]string{"--logs-dir", logs, "runs", "--task", "other"}, nil, &stdout, &stderr, nil)
	if strings.Contains(stdout.String(), "run-live") {
		t.Errorf("--task other still lists nightly:\n%s", stdout.String())
	}
}
