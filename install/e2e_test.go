package install_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// TestInstallRecordsRealRuns installs ccq-hook with `ccq-hook install`, runs
// the real Claude Code 2.1.328 against the fake API, and finds the run in
// history with the exact tokens served; after `ccq-hook uninstall` a second
// run leaves no line.
func TestInstallRecordsRealRuns(t *testing.T) {
	claude := claudetest.Claude(t)
	hook := filepath.Join(claudetest.Build(t, "./cmd/ccq-hook"), "ccq-hook")

	for _, tc := range []struct {
		scope    string
		settings func(home, project string) string
	}{
		{"project", func(_, project string) string { return filepath.Join(project, ".claude", "settings.json") }},
		{"user", func(home, _ string) string { return filepath.Join(home, ".claude", "settings.json") }},
	} {
		t.Run(tc.scope, func(t *testing.T) {
			home, project := t.TempDir(), t.TempDir()
			history := recorder.HistoryPath(filepath.Join(project, recorder.DefaultLogsSubdir))
			settings := tc.settings(home, project)

			out := ccqHook(t, hook, home, project, "install", "--scope", tc.scope)
			if !strings.Contains(out, "installed ccq-hook in "+settings) {
				t.Fatalf("install said:\n%s", out)
			}
			if b, err := os.ReadFile(settings); err != nil || !bytes.Contains(b, []byte(`"command": "`+hook+`"`)) {
				t.Fatalf("settings (%v):\n%s", err, b)
			}

			srv := runClaude(t, claude, home, project)
			lines := claudetest.History(t, history)
			if len(lines) != 1 {
				t.Fatalf("history has %d lines after a run, want 1", len(lines))
			}
			e := lines[0]
			if !e.Success || e.Tokens != srv.Served().Total() || e.RecordedBy != recorder.ByHook {
				t.Errorf("history line: success %v, tokens %d (served %d), recorded by %q; want true, %d, %q",
					e.Success, e.Tokens, srv.Served().Total(), e.RecordedBy, srv.Served().Total(), recorder.ByHook)
			}

			out = ccqHook(t, hook, home, project, "uninstall", "--scope", tc.scope)
			if !strings.Contains(out, "removed ccq-hook from "+settings) {
				t.Fatalf("uninstall said:\n%s", out)
			}
			if _, err := os.Stat(settings); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("settings holding only ccq's hooks should be gone after uninstall: %v", err)
			}

			hookRuns := debugLines(home)
			if hookRuns < 3 {
				t.Errorf("ccq-hook ran %d times in the first run, want SessionStart, Stop and SessionEnd", hookRuns)
			}
			srv = runClaude(t, claude, home, project)
			if n := debugLines(home); n != hookRuns {
				t.Errorf("ccq-hook ran %d times after uninstall", n-hookRuns)
			}
			if srv.Requests() == 0 {
				t.Fatal("the second run made no API request; it proves nothing")
			}
			if n := len(claudetest.History(t, history)); n != 1 {
				t.Errorf("history has %d lines after a run without ccq, want still 1", n)
			}
		})
	}
}

// ccqHook runs the built ccq-hook in project with HOME=home.
func ccqHook(t *testing.T, hook, home, project string, args ...string) string {
	t.Helper()
	cmd := exec.Command(hook, args...)
	cmd.Dir = project
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ccq-hook %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runClaude runs `claude -p "say hi"` in project against a new fake API.
func runClaude(t *testing.T, claude, home, project string) *fakeapi.Server {
	t.Helper()
	srv := fakeapi.Start(t, func(int, []byte) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Text, Text: "hi"} })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, claude, "-p", "say hi", "--dangerously-skip-permissions")
	cmd.Dir = project
	cmd.Env = append(claudetest.Env(home, srv.URL), "CCQ_DEBUG_LOG="+filepath.Join(home, "ccq-debug.log"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("claude: %v\n%s", err, out)
	}
	if dbg, err := os.ReadFile(filepath.Join(home, "ccq-debug.log")); err == nil {
		t.Logf("ccq-hook debug log:\n%s", dbg)
	}
	return srv
}

// debugLines counts ccq-hook invocations in its debug log.
func debugLines(home string) int {
	b, _ := os.ReadFile(filepath.Join(home, "ccq-debug.log"))
	return bytes.Count(b, []byte("\n"))
}
