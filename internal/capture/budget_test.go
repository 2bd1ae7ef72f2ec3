package capture

import (
	"bytes"
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
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		<-done
	}
	code := cmd.ProcessState.ExitCode()
	t.Logf("budget: exit %d after %v, %d requests", code, time.Since(start).Round(time.Millisecond), srv.Requests())
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(out, "budget-0.0001."+name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stream.jsonl", scrub(stdout.Bytes(), home, srv.URL))
	write("stderr.txt", scrub(stderr.Bytes(), home, srv.URL))
	transcripts, _ := filepath.Glob(filepath.Join(home, ".claude", "projects", "*", "*.jsonl"))
	var tr []byte
	for _, p := range transcripts {
		b, _ := os.ReadFile(p)
		tr = append(tr, keep(b)...)
	}
	write("transcript.jsonl", scrub(tr, home, srv.URL))
	write("meta.txt", []byte("exit_code "+strconv.Itoa(code)+"\nrequests "+strconv.Itoa(srv.Requests())+
		"\nmax_budget_usd 0.0001\nretries 0\n"))
}
