package capture

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
)

// TestCaptureBudget records what the real client does when
// --max-budget-usd is spent: a first answer that calls a tool costs more
// than the budget, so the client should stop before a second request.
//
//	CCQ_CAPTURE=1 go test -run TestCaptureBudget -v ./internal/capture
func TestCaptureBudget(t *testing.T) {
	if os.Getenv("CCQ_CAPTURE") == "" {
		t.Skip("set CCQ_CAPTURE=1 to re-capture the real client's behaviour into testdata")
	}
	out := filepath.Join(claudetest.RepoRoot(), "testdata", "claude-code-2.1.328", "budget")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	claude := claudetest.Claude(t)
	srv := fakeapi.Start(t, func(n int, _ []byte) fakeapi.Reply {
		return fakeapi.Reply{Kind: fakeapi.ToolUse, Command: "echo budget-tool"}
	})
	home := t.TempDir()
	project := filepath.Join(home, "project")
	if err := os.Mkdir(project, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(claude, "-p", "say hi", "--output-format", "stream-json", "--verbose",
		"--max-budget-usd", "0.0001", "--dangerously-skip-permissions")
	cmd.Dir = project
	cmd.Env = claudetest.Env(home, srv.URL)
	r := runClaude(t, cmd, time.Minute)
	t.Logf("budget: exit %d after %v, %d requests", r.code, r.wall.Round(time.Millisecond), srv.Requests())
	save(t, filepath.Join(out, "budget-0.0001"), r, home, srv.URL, "exit_code "+strconv.Itoa(r.code)+
		"\nrequests "+strconv.Itoa(srv.Requests())+"\nmax_budget_usd 0.0001\nretries 0\n")
}
