package otelcoltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/sinks/otlp"
)

// TestRealClaudeLaunchToCollector runs the real Claude Code 2.1.328 under
// `ccq launch` against the fake Messages API, exporting to the Collector:
// the run's history line arrives as a log record with its span and
// metric points, and its tokens are exactly what the fake API served.
func TestRealClaudeLaunchToCollector(t *testing.T) {
	needBinaries(t)
	claude := claudetest.Claude(t)
	srv := fakeapi.Start(t, func(int, []byte) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Text} })
	c := startSinkCollector(t)
	home := t.TempDir()
	project := filepath.Join(home, "project")
	if err := os.MkdirAll(filepath.Join(project, "tasks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "tasks", "hello.md"), []byte("Say hi.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ccqBin, "launch", "--claude", claude, "hello")
	cmd.Dir = project
	cmd.Env = append(claudetest.Env(home, srv.URL), "OTEL_EXPORTER_OTLP_ENDPOINT="+c.httpURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ccq launch: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(project, "logs", "scheduler", "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	line := b[:len(b)-1]
	checkCollector(t, c, [][]byte{line}, true)
	u := srv.Served()
	checkServedGenAI(t, c, u.Input, u.CacheRead, u.CacheCreation, u.Output, "claude-opus-5-5")
	e, err := otlp.ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Success || e.Tokens != srv.Served().Total() {
		t.Errorf("the real run: success %v, %d tokens; want a success with the %d tokens served", e.Success, e.Tokens, srv.Served().Total())
	}
}
