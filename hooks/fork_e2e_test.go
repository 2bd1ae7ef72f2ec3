package hooks_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// TestRealClaudeForkIsANewRun forks a session with the real Claude Code
// (`--resume ID --fork-session`: SessionStart source "fork", a new session
// id, a new transcript that begins with a copy of the parent's
// conversation). The fork is a run of its own: its line counts only the
// tokens served to it, leaves out the cost (cumulative with the parent's),
// keeps the prompt_id, and its log shows only its own turn; the parent's
// line is untouched.
func TestRealClaudeForkIsANewRun(t *testing.T) {
	claude := claudetest.Claude(t)
	plugin := pluginDir(t)
	srv := fakeapi.Start(t, always(fakeapi.Reply{Kind: fakeapi.Text, Text: "hi"}))
	home, project := t.TempDir(), t.TempDir()
	logs := filepath.Join(project, "logs", "scheduler")

	run := func(extra ...string) {
		t.Helper()
		args := append([]string{"-p", "say hi", "--dangerously-skip-permissions", "--plugin-dir", plugin}, extra...)
		cmd := exec.Command(claude, args...)
		cmd.Dir = project
		cmd.Env = append(claudetest.Env(home, srv.URL), "CCQ_TASK_ID=forks")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("claude %v: %v\n%s", extra, err, out)
		}
	}
	run()
	parentServed := srv.Served().Total()
	h := claudetest.History(t, recorder.HistoryPath(logs))
	if len(h) != 1 || h[0].Tokens != parentServed {
		t.Fatalf("parent run: %+v, want one line with %d tokens", h, parentServed)
	}
	parent := h[0]

	run("--resume", parent.SessionID, "--fork-session")
	h = claudetest.History(t, recorder.HistoryPath(logs))
	if len(h) != 2 {
		t.Fatalf("history has %d lines, want 2", len(h))
	}
	if h[0].RunID != parent.RunID || h[0].Tokens != parent.Tokens || h[0].Timestamp != parent.Timestamp {
		t.Errorf("the parent's line changed: %+v", h[0])
	}
	fork := h[1]
	want := srv.Served().Total() - parentServed
	if fork.SessionID == parent.SessionID || fork.RunID == parent.RunID {
		t.Errorf("fork has session %q, run %q: want new ones, not the parent's", fork.SessionID, fork.RunID)
	}
	if !fork.Success || fork.Tokens != want || fork.TokensSource != recorder.TokensTranscript || fork.CostUSD != nil {
		t.Errorf("fork: %+v; want success with %d tokens (its own turn) and no cost", fork, want)
	}
	raw, err := os.ReadFile(recorder.HistoryPath(logs))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	for i, l := range lines {
		if id := gjson.GetBytes(l, "prompt_id").Str; len(id) != 36 {
			t.Errorf("line %d: prompt_id %q, want Claude Code's uuid", i+1, id)
		}
	}
	md, err := os.ReadFile(fork.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(md, []byte("**Assistant:**")); n != 1 {
		t.Errorf("fork's log shows %d assistant turns, want its own 1:\n%s", n, md)
	}
}
