package hooks_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// pluginDir lays out the repository's plugin (hooks.json,
// .claude-plugin/plugin.json and the plugin/ccq-hook shim, as shipped)
// around a freshly built ccq-hook, exactly as `go build -o bin/ ./cmd/...`
// leaves it in a checkout.
func pluginDir(t *testing.T) string {
	t.Helper()
	bin := claudetest.Build(t, "./cmd/ccq-hook")
	root := claudetest.RepoRoot()
	dir := t.TempDir()
	for _, f := range []string{"hooks.json", ".claude-plugin/plugin.json", "plugin/ccq-hook"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(bin, "ccq-hook"), filepath.Join(dir, "bin", "ccq-hook")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func always(r fakeapi.Reply) fakeapi.Script {
	return func(int, []byte) fakeapi.Reply { return r }
}

// TestRealClaudeRecordsEveryOutcome runs the real Claude Code 2.1.328 with
// the ccq plugin against the fake API and checks the single history line of
// each run: outcome, exact tokens (what the fake API served) and duration.
func TestRealClaudeRecordsEveryOutcome(t *testing.T) {
	claude := claudetest.Claude(t)
	plugin := pluginDir(t)

	tests := []struct {
		name        string
		script      fakeapi.Script
		args        []string
		labelled    bool           // run with CCQ_TASK_ID/CCQ_RUN_ID/CCQ_LOG_FILE, as a user's scheduler would
		signal      syscall.Signal // sent once the first request hangs
		success     bool
		errorType   string
		errorDetail string
	}{
		{name: "plain answer", script: always(fakeapi.Reply{Kind: fakeapi.Text}), labelled: true, success: true},
		{name: "tool use", script: func(n int, _ []byte) fakeapi.Reply {
			if n == 1 {
				return fakeapi.Reply{Kind: fakeapi.ToolUse, Command: "echo hi"}
			}
			return fakeapi.Reply{Kind: fakeapi.Text, Text: "The command ran; done."}
		}, success: true},
		{name: "api error 500", script: always(fakeapi.Reply{Kind: fakeapi.Error, Status: 500}), labelled: true,
			errorType: "exit_error", errorDetail: "server_error"},
		{name: "api error 429", script: always(fakeapi.Reply{Kind: fakeapi.Error, Status: 429}),
			errorType: "exit_error", errorDetail: "rate_limit"},
		{name: "max turns", script: always(fakeapi.Reply{Kind: fakeapi.ToolUse, Command: "echo again"}),
			args: []string{"--max-turns", "1"}, labelled: true, errorType: "exit_error", errorDetail: "max_turns"},
		{name: "sigterm during hung request", script: always(fakeapi.Reply{Kind: fakeapi.Hang}),
			signal: syscall.SIGTERM, errorType: "exception", errorDetail: "interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeapi.Start(t, tt.script)
			home, project := t.TempDir(), t.TempDir()
			logs := filepath.Join(project, "logs", "scheduler")
			args := append([]string{"-p", "say hi", "--dangerously-skip-permissions", "--plugin-dir", plugin}, tt.args...)
			cmd := exec.Command(claude, args...)
			cmd.Dir = project
			cmd.Env = append(claudetest.Env(home, srv.URL), "CCQ_DEBUG_LOG="+filepath.Join(home, "ccq-debug.log"))
			if tt.labelled {
				cmd.Env = append(cmd.Env, "CCQ_TASK_ID=nightly", "CCQ_RUN_ID=run-1",
					"CCQ_LOG_FILE="+filepath.Join(project, "run-1.md"))
			}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out

			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tt.signal != 0 {
				waitFor(t, func() bool { return srv.Requests() >= 1 })
				time.Sleep(500 * time.Millisecond)
				cmd.Process.Signal(tt.signal)
			}
			err := cmd.Wait()
			wall := time.Since(start)
			t.Logf("claude: %v in %v; output:\n%s", err, wall, out.Bytes())
			if dbg, err := os.ReadFile(filepath.Join(home, "ccq-debug.log")); err == nil {
				t.Logf("ccq-hook debug log:\n%s", dbg)
			}

			lines := claudetest.History(t, recorder.HistoryPath(logs))
			if len(lines) != 1 {
				t.Fatalf("history has %d lines, want exactly 1", len(lines))
			}
			e := lines[0]
			if e.Success != tt.success || string(e.ErrorType) != tt.errorType || e.ErrorDetail != tt.errorDetail {
				t.Errorf("outcome = success %v, %q, %q; want %v, %q, %q",
					e.Success, e.ErrorType, e.ErrorDetail, tt.success, tt.errorType, tt.errorDetail)
			}
			if want := srv.Served().Total(); e.Tokens != want || e.TokensSource != recorder.TokensTranscript {
				t.Errorf("tokens = %d from %q, want %d (served by the fake API) from the transcript", e.Tokens, e.TokensSource, want)
			}
			// The run lasts from claude's start (read from /proc, in 10 ms
			// ticks) to its SessionEnd hook: after the last API request
			// arrived, before claude exited. Bounds that hold on any load.
			const slack = 0.05
			lo, hi := srv.LastRequest().Sub(start).Seconds()-slack, wall.Seconds()+slack
			if e.DurationS < lo || e.DurationS > hi {
				t.Errorf("duration_s = %.3f, want between %.3f (last API request) and %.3f (claude exited)", e.DurationS, lo, hi)
			}
			if tt.labelled {
				if e.TaskID != "nightly" || e.RunID != "run-1" || e.LogFile != filepath.Join(project, "run-1.md") {
					t.Errorf("identity = %q/%q/%q, want the CCQ_* values", e.TaskID, e.RunID, e.LogFile)
				}
			} else if e.TaskID != filepath.Base(project) || e.SessionID == "" {
				t.Errorf("unlabelled run: task %q, session %q; want the project's name and the session id", e.TaskID, e.SessionID)
			}
			if e.RecordedBy != recorder.ByHook {
				t.Errorf("recorded_by = %q, want hook", e.RecordedBy)
			}
			if left, _ := filepath.Glob(filepath.Join(logs, ".runs", "*")); len(left) != 0 {
				t.Errorf("run state left behind: %v", left)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRealClaudeResumeCountsOnlyItsOwnTurns resumes a session with the real
// Claude Code: the resumed run appends to the first run's transcript, and
// its history line must count only the tokens served to it.
func TestRealClaudeResumeCountsOnlyItsOwnTurns(t *testing.T) {
	claude := claudetest.Claude(t)
	plugin := pluginDir(t)
	srv := fakeapi.Start(t, always(fakeapi.Reply{Kind: fakeapi.Text}))
	home, project := t.TempDir(), t.TempDir()
	logs := filepath.Join(project, "logs", "scheduler")

	run := func(runID string, extra ...string) {
		t.Helper()
		args := append([]string{"-p", "say hi", "--dangerously-skip-permissions", "--plugin-dir", plugin}, extra...)
		cmd := exec.Command(claude, args...)
		cmd.Dir = project
		cmd.Env = append(claudetest.Env(home, srv.URL), "CCQ_TASK_ID=chain", "CCQ_RUN_ID="+runID)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("claude %v: %v\n%s", extra, err, out)
		}
	}
	run("first")
	firstServed := srv.Served().Total()
	h := claudetest.History(t, recorder.HistoryPath(logs))
	if len(h) != 1 || h[0].Tokens != firstServed {
		t.Fatalf("first run: %+v, want one line with %d tokens", h, firstServed)
	}

	run("second", "--resume", h[0].SessionID)
	h = claudetest.History(t, recorder.HistoryPath(logs))
	if len(h) != 2 {
		t.Fatalf("history has %d lines, want 2", len(h))
	}
	second := h[1]
	want := srv.Served().Total() - firstServed
	if second.SessionID != h[0].SessionID {
		t.Errorf("resumed run has session %q, want the first run's %q", second.SessionID, h[0].SessionID)
	}
	if second.RunID != "second" || !second.Success || second.Tokens != want || second.TokensSource != recorder.TokensTranscript {
		t.Errorf("resumed run: %+v; want success with %d tokens (only its own turns) from the transcript", second, want)
	}
	// cost-state totals are cumulative over a resumed session; one request
	// each, so the resumed run's own cost is close to the first run's, not
	// twice it.
	if second.CostUSD == nil || h[0].CostUSD == nil {
		t.Fatalf("cost missing: %v, %v", h[0].CostUSD, second.CostUSD)
	}
	if r := *second.CostUSD / *h[0].CostUSD; r < 0.9 || r > 1.1 {
		t.Errorf("resumed run cost %v, first run %v: want its own cost, not the session's running total", *second.CostUSD, *h[0].CostUSD)
	}
}

// TestRealClaudeRegisteredTwice: ccq-hook registered both as the plugin and
// in project settings runs twice per event (Claude Code only merges
// identical command strings); the run must still get exactly one line.
func TestRealClaudeRegisteredTwice(t *testing.T) {
	claude := claudetest.Claude(t)
	plugin := pluginDir(t)
	bin := filepath.Join(claudetest.Build(t, "./cmd/ccq-hook"), "ccq-hook")
	srv := fakeapi.Start(t, always(fakeapi.Reply{Kind: fakeapi.Text}))
	home, project := t.TempDir(), t.TempDir()
	hook := []map[string]any{{"hooks": []map[string]any{{"type": "command", "command": bin}}}}
	settings, _ := json.Marshal(map[string]any{"hooks": map[string]any{
		"SessionStart": hook, "Stop": hook, "StopFailure": hook, "SessionEnd": hook}})
	os.MkdirAll(filepath.Join(project, ".claude"), 0o755)
	if err := os.WriteFile(filepath.Join(project, ".claude", "settings.json"), settings, 0o644); err != nil {
		t.Fatal(err)
	}
	dbg := filepath.Join(home, "ccq-debug.log")
	cmd := exec.Command(claude, "-p", "say hi", "--dangerously-skip-permissions", "--plugin-dir", plugin)
	cmd.Dir = project
	cmd.Env = append(claudetest.Env(home, srv.URL), "CCQ_DEBUG_LOG="+dbg, "CCQ_TASK_ID=twice", "CCQ_RUN_ID=run-twice")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("claude: %v\n%s", err, out)
	}
	log, _ := os.ReadFile(dbg)
	if n := bytes.Count(log, []byte("\n")); n < 6 {
		t.Fatalf("ccq-hook ran %d times, want both registrations to run (>= 6):\n%s", n, log)
	}
	h := claudetest.History(t, recorder.HistoryPath(filepath.Join(project, "logs", "scheduler")))
	if len(h) != 1 || !h[0].Success || h[0].Tokens != srv.Served().Total() {
		t.Fatalf("history %+v, want one successful line with %d tokens\nhook log:\n%s", h, srv.Served().Total(), log)
	}
}
