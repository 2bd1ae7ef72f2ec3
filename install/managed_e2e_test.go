package install_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/install"
	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// gateToken marks the claude runs of TestManagedRecordsBareRuns: while the
// machine's managed settings hold the hook, every claude run on it fires
// the hook, and the gate lets only this test's runs through to ccq-hook.
const gateToken = "CCQ_E2E_MANAGED"

// gate is the registered command: a ccq-hook (by name) that notes each
// payload and hands it to the real ccq-hook for this test's runs only.
const gate = `#!/bin/sh
if [ "$` + gateToken + `" != "%[1]s" ]; then cat >/dev/null; exit 0; fi
payload=$(cat)
printf '%%s\n' "$payload" >> '%[2]s'
printf '%%s' "$payload" | '%[3]s'
`

// TestManagedRecordsBareRuns installs ccq-hook into the machine's real
// managed settings with `ccq-hook install --scope managed`, runs the real
// Claude Code 2.1.328 against the fake API with and without --bare, and
// finds the hook's events and each run's line; `ccq-hook uninstall
// --scope managed` then gives the file back byte for byte (or removes it),
// and a third run fires nothing.
func TestManagedRecordsBareRuns(t *testing.T) {
	managed := install.ManagedSettingsPath(runtime.GOOS)
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" && runtime.GOOS != "windows" {
			t.Fatalf("CI runs as root, and this test must write %s", managed)
		}
		t.Skipf("writing %s needs root: run the tests as root (CI does)", managed)
	}
	claude := claudetest.ClaudeManaged(t)
	hook := filepath.Join(claudetest.Build(t, "./cmd/ccq-hook"), "ccq-hook")
	restoreManaged(t, managed)
	orig, origErr := os.ReadFile(managed)
	if bytes.Contains(orig, []byte(install.BinaryName)) {
		// Uninstall would remove the machine's own registration too.
		t.Skipf("%s already registers ccq-hook", managed)
	}

	tmp := t.TempDir()
	events := filepath.Join(tmp, "events.jsonl")
	token := filepath.Base(tmp)
	cmd := filepath.Join(tmp, "gate", "ccq-hook")
	if err := os.Mkdir(filepath.Dir(cmd), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cmd, []byte(fmt.Sprintf(gate, token, events, hook)), 0o755); err != nil {
		t.Fatal(err)
	}

	home, project := t.TempDir(), t.TempDir()
	out := ccqHook(t, hook, home, project, "install", "--scope", "managed", "--command", cmd)
	if !strings.Contains(out, "installed ccq-hook in "+managed+" (managed scope)") {
		t.Fatalf("install said:\n%s", out)
	}
	history := recorder.HistoryPath(filepath.Join(project, recorder.DefaultLogsSubdir))
	env := []string{gateToken + "=" + token}

	// Without --bare: every event, and the run's line.
	srv := runClaudeWith(t, claude, home, project, env)
	if got := eventNames(t, events); !hasAll(got, "SessionStart", "UserPromptSubmit", "Stop", "SessionEnd") {
		t.Fatalf("events of a run without --bare: %v", got)
	}
	lines := claudetest.History(t, history)
	if len(lines) != 1 || !lines[0].Success || lines[0].Tokens != srv.Served().Total() || lines[0].RecordedBy != recorder.ByHook {
		t.Fatalf("history after a run without --bare: %+v (served %d)", lines, srv.Served().Total())
	}

	// With --bare: the managed hooks fire (not SessionStart, in 2.1.328),
	// and ccq-hook runs for each.
	before, dbgBefore := len(eventNames(t, events)), debugLines(home)
	srv = runClaudeWith(t, claude, home, project, env, "--bare")
	bare := eventNames(t, events)[before:]
	if !hasAll(bare, "UserPromptSubmit", "Stop", "SessionEnd") {
		t.Fatalf("events of a --bare run: %v", bare)
	}
	if n := debugLines(home) - dbgBefore; n != len(bare) {
		t.Errorf("ccq-hook ran %d times for %d events of the --bare run", n, len(bare))
	}
	t.Logf("--bare run: events %v", bare)
	lines = claudetest.History(t, history)
	if len(lines) != 2 {
		t.Fatalf("history has %d lines after a run and a --bare run, want 2", len(lines))
	}
	if e := lines[1]; !e.Success || e.Tokens != srv.Served().Total() || e.RecordedBy != recorder.ByHook {
		t.Errorf("the --bare run's line: success %v, tokens %d (served %d), recorded by %q",
			e.Success, e.Tokens, srv.Served().Total(), e.RecordedBy)
	}

	// Uninstall gives the file back as it was, and the hooks are gone.
	ccqHook(t, hook, home, project, "uninstall", "--scope", "managed")
	now, err := os.ReadFile(managed)
	switch {
	case errors.Is(origErr, fs.ErrNotExist) && !errors.Is(err, fs.ErrNotExist):
		t.Errorf("%s is left after uninstall (%v):\n%s", managed, err, now)
	case origErr == nil && !bytes.Equal(now, orig):
		t.Errorf("%s after uninstall (%v):\n%s\nwant\n%s", managed, err, now, orig)
	}
	before = len(eventNames(t, events))
	runClaudeWith(t, claude, home, project, env, "--bare")
	if after := eventNames(t, events); len(after) != before {
		t.Errorf("hooks fired after uninstall: %v", after[before:])
	}
}

// restoreManaged puts back, when t ends, the managed settings, their
// backup and their folder as they were before it, whatever happened.
func restoreManaged(t *testing.T, managed string) {
	dir := filepath.Dir(managed)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		// Registered first, so it runs last: the folder is empty by then.
		t.Cleanup(func() {
			if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("remove %s, which the test created: %v", dir, err)
			}
		})
	}
	for _, p := range []string{managed, managed + install.BackupSuffix} {
		old, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s: %v", p, err)
		}
		fi, _ := os.Stat(p)
		t.Cleanup(func() {
			if fi == nil {
				os.Remove(p)
				return
			}
			if now, err := os.ReadFile(p); err != nil || !bytes.Equal(now, old) {
				if err := os.WriteFile(p, old, fi.Mode().Perm()); err != nil {
					t.Errorf("restore %s: %v", p, err)
				}
			}
		})
	}
}

// eventNames lists the hook_event_name of every payload the gate noted.
func eventNames(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" {
			out = append(out, gjson.Get(l, "hook_event_name").Str)
		}
	}
	return out
}

func hasAll(got []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// runClaudeWith runs `claude -p "say hi" ARGS` in project against a new
// fake API, with env added to the test environment.
func runClaudeWith(t *testing.T, claude, home, project string, env []string, args ...string) *fakeapi.Server {
	t.Helper()
	srv := fakeapi.Start(t, func(int, []byte) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Text, Text: "hi"} })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, claude, append([]string{"-p", "say hi", "--dangerously-skip-permissions"}, args...)...)
	cmd.Dir = project
	cmd.Env = append(append(claudetest.Env(home, srv.URL), "CCQ_DEBUG_LOG="+filepath.Join(home, "ccq-debug.log")), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("claude %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if srv.Requests() == 0 {
		t.Fatal("claude made no API request; the run proves nothing")
	}
	return srv
}
