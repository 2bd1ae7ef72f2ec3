package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

// budgetRun is one SessionEnd of a run no launcher supervises, fed a
// generated agent transcript, as Claude Code runs the hook.
type budgetRun struct {
	logs, history, logFile string
	turns                  int
	cmd                    *exec.Cmd
	done                   chan error
}

func startSessionEnd(t *testing.T, size int, env ...string) *budgetRun {
	t.Helper()
	bin := filepath.Join(claudetest.Build(t, "./cmd/ccq-hook"), "ccq-hook")
	dir := t.TempDir()
	tp, turns := toolTranscript(t, dir, size)
	data, err := os.ReadFile(filepath.Join(claudetest.RepoRoot(), "testdata", "claude-code-2.1.328", "SessionEnd.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := &budgetRun{logs: filepath.Join(dir, "logs"), turns: turns, done: make(chan error, 1)}
	r.history = filepath.Join(r.logs, "history.jsonl")
	// The run is seen only at SessionEnd: it starts at its transcript's
	// first line, the captured one's, and its log is filed under that day.
	r.logFile = filepath.Join(r.logs, "2026-11-25", "nightly-run-1.md")
	r.cmd = exec.Command(bin)
	r.cmd.Env = append([]string{"PATH=/usr/bin:/bin", "CCQ_LOGS_DIR=" + r.logs, "CCQ_TASK_ID=nightly", "CCQ_RUN_ID=run-1"}, env...)
	r.cmd.Stdin = bytes.NewReader(bytes.Replace(data, []byte(capturedPath), []byte(tp), 1))
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	go func() { r.done <- r.cmd.Wait() }()
	return r
}

// awaitLine waits for the run's line and reports whether the hook was
// still running (rendering) when it appeared.
func (r *budgetRun) awaitLine(t *testing.T) (running bool) {
	t.Helper()
	for give := time.Now().Add(2 * time.Minute); time.Now().Before(give); {
		if st, err := os.Stat(r.history); err == nil && st.Size() > 0 {
			select {
			case err := <-r.done:
				r.done <- err
				return false
			default:
				return true
			}
		}
		select {
		case err := <-r.done:
			r.done <- err
			if st, serr := os.Stat(r.history); serr == nil && st.Size() > 0 {
				return false
			}
			t.Fatalf("the hook exited (%v) and wrote no line", err)
		case <-time.After(time.Millisecond):
		}
	}
	t.Fatal("no line within 2 minutes")
	return false
}

// line checks that the history holds exactly the run's one whole line,
// with the exact tokens of every turn, and returns it.
func (r *budgetRun) line(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(r.history)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != 1 || !bytes.HasSuffix(b, []byte("\n")) {
		t.Fatalf("history holds %d lines, want 1 whole one:\n%.500s", n, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("line: %v\n%.500s", err, b)
	}
	if m["tokens"] != float64(12232*r.turns) || m["tokens_source"] != "transcript" || m["log_file"] != r.logFile || m["success"] != true {
		t.Errorf("line: %v; want %d tokens, log_file %s", m, 12232*r.turns, r.logFile)
	}
	if _, err := os.Stat(filepath.Join(r.logs, ".runs", "run-1.jsonl")); !os.IsNotExist(err) {
		t.Errorf("the run's state outlived its line: %v", err)
	}
	return m
}

func (r *budgetRun) log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(r.logFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSessionEndKilledWhileRendering: the line is written, whole and
// exact, before the session log is rendered, so a hook SIGKILLed while it
// renders (Claude Code's budget, a reboot) loses only the rest of the log.
// The budget is set high so that only the kill stops the rendering.
func TestSessionEndKilledWhileRendering(t *testing.T) {
	r := startSessionEnd(t, 100<<20, "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS=600000")
	if !r.awaitLine(t) {
		t.Fatal("the hook had finished rendering 100 MB by the time its line was seen: the test cannot kill it while it renders")
	}
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-r.done
	r.line(t)
	if log := r.log(t); strings.Contains(log, "## Outcome") {
		t.Errorf("the log is whole: the hook was not killed while rendering")
	}
}

// TestSessionEndBudgetCutsLog: with no time left (a 1 ms budget) the line
// is still written whole, and the log stops at once, saying why and how
// much of the transcript it shows, then closes with the outcome.
func TestSessionEndBudgetCutsLog(t *testing.T) {
	r := startSessionEnd(t, 5<<20, "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS=1")
	if err := <-r.done; err != nil {
		t.Fatalf("ccq-hook: %v", err)
	}
	r.line(t)
	log := r.log(t)
	for _, want := range []string{
		"this log is cut short: the SessionEnd time budget ran out. It shows the first 0.0 MB of 5.",
		"the run's line in the history is complete",
		"## Outcome",
		"| tokens | " + itoa(12232*r.turns) + " (transcript) |",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%.3000s", want, log)
		}
	}
}

// TestSessionEndSIGTERMWhileRendering: Claude Code ending its SessionEnd
// hooks (SIGTERM) while the log renders: the log stops, says so, and
// still gets its closing block; the hook exits 0.
func TestSessionEndSIGTERMWhileRendering(t *testing.T) {
	r := startSessionEnd(t, 100<<20, "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS=600000")
	if !r.awaitLine(t) {
		t.Fatal("the hook had finished rendering 100 MB by the time its line was seen")
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-r.done; err != nil {
		t.Fatalf("ccq-hook after SIGTERM: %v, want exit 0", err)
	}
	r.line(t)
	log := r.log(t)
	for _, want := range []string{"this log is cut short: ccq-hook got SIGTERM", "## Outcome"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%.3000s", want, log)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
