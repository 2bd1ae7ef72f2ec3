package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
)

// TestRunsShowsRunsInProgress: a run with no history line yet, whose
// launcher is alive (here: this test process), is listed as in progress; it
// is neither closed nor hidden.
func TestRunsShowsRunsInProgress(t *testing.T) {
	logs := t.TempDir()
	ticks, _, _ := proc.Start(os.Getpid())
	start := time.Now().Add(-90 * time.Second)
	ev := recorder.Event{Ev: recorder.EvLaunch, T: start.UnixMilli(), Task: "nightly", Log: filepath.Join(logs, "n.md"), PID: os.Getpid(), PTicks: ticks}
	if err := recorder.AppendEvent(logs, "run-live", ev); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--logs-dir", logs, "runs"}, nil, &stdout, &stderr, []string{"HOME=/no-home"})
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"in progress:", "nightly", "run-live", "no runs recorded yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The elapsed time is at least the 90 s the run had when the test
	// began and at most what has passed since (a loaded machine may take
	// seconds): read it back rather than expect exactly "1m30s".
	m := regexp.MustCompile(`(\d+)m(\d\d)s`).FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("no elapsed time in:\n%s", out)
	}
	mins, _ := strconv.Atoi(m[0][1])
	secs, _ := strconv.Atoi(m[0][2])
	if got := time.Duration(mins*60+secs) * time.Second; got < 90*time.Second-time.Second || got > took+time.Second {
		t.Errorf("elapsed %v, want between 1m29s and %v:\n%s", got, took+time.Second, out)
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

// TestRunsTableColour: on a terminal the outcome is green or red, and the
// colour codes do not shift the columns.
func TestRunsTableColour(t *testing.T) {
	lines := []*stats.Line{
		{Raw: []byte(`{"task_id":"a","success":true,"error_type":null,"tokens":5,"duration_s":1,"log_file":"a.md","timestamp":"2026-11-25T10:00:00.000Z","run_id":"r1"}`), TSMs: 1795600800000},
		{Raw: []byte(`{"task_id":"bb","success":false,"error_type":"timeout","tokens":50,"duration_s":12,"log_file":"b.md","timestamp":"2026-11-25T11:00:00.000Z","run_id":"r2","error_detail":"timeout after 10s"}`), TSMs: 1795604400000},
	}
	var plain, colour bytes.Buffer
	if err := writeRunsTable(&plain, lines, false); err != nil {
		t.Fatal(err)
	}
	writeRunsTable(&colour, lines, true)
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("colour codes without a terminal:\n%q", plain.String())
	}
	if !strings.Contains(colour.String(), "\x1b[32mok\x1b[0m") || !strings.Contains(colour.String(), "\x1b[31mtimeout: timeout after 10s\x1b[0m") {
		t.Errorf("outcomes not coloured:\n%q", colour.String())
	}
	strip := strings.NewReplacer("\x1b[32m", "", "\x1b[31m", "", "\x1b[1m", "", "\x1b[0m", "")
	if got := strip.Replace(colour.String()); got != plain.String() {
		t.Errorf("colour changes the layout:\n%s\nvs\n%s", got, plain.String())
	}
}
