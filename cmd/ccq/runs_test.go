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

// TestInProgressWaiting: a run that ended but whose line could not be
// written yet (recorder.Run.Waiting) is listed in progress as "waiting to
// be recorded" with the reason and the time it ran; --json prints it with
// a "waiting" field, and leaves runs still going out.
func TestInProgressWaiting(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	runs := []*recorder.Run{
		{ID: "r-live", Task: "nightly", LogFile: "/l/n.md", Start: now.Add(-90 * time.Second), LastSeen: now.Add(-time.Second)},
		{ID: "r-wait", Task: "weekly", TranscriptPath: "/t/s.jsonl", SessionID: "s1", Start: now.Add(-10 * time.Minute),
			EndTime: now.Add(-5 * time.Minute), LastSeen: now.Add(-5 * time.Minute), Ended: true, Waiting: "no space left on device"},
		{ID: "r-other", Task: "other", Start: now.Add(-time.Minute), Waiting: "disk full"},
	}
	match := func(task string) bool { return task != "other" }
	var tab bytes.Buffer
	writeInProgress(&tab, runs, match, now)
	want := `in progress:
STARTED               TASK     ELAPSED  STATE                                            RUN     LOG
2026-03-01 11:58:30Z  nightly    1m30s  running                                          r-live  /l/n.md
2026-03-01 11:50:00Z  weekly     5m00s  waiting to be recorded: no space left on device  r-wait  /t/s.jsonl

`
	if tab.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", tab.String(), want)
	}
	var js bytes.Buffer
	if err := writeWaitingJSON(&js, runs, match); err != nil {
		t.Fatal(err)
	}
	wantJS := `{"task_id":"weekly","duration_s":300,"log_file":"/t/s.jsonl","timestamp":"2026-03-01T11:50:00.000Z","run_id":"r-wait","session_id":"s1","waiting":"no space left on device"}` + "\n"
	if js.String() != wantJS {
		t.Errorf("json:\n%s\nwant:\n%s", js.String(), wantJS)
	}
	// Nothing to list, nothing printed.
	tab.Reset()
	writeInProgress(&tab, runs[2:], match, now)
	if tab.Len() != 0 {
		t.Errorf("printed %q for no matching run", tab.String())
	}
}
