package capture

// The probes behind the facts of 2.1.328 that issue 24 relies on (the
// SessionEnd budget, what --bare skips, managed settings, fork, prompt_id,
// a refused connection): CCQ_PROBE=1 go test -run TestProbe -v
// ./internal/capture. They print what they saw; the README and
// testdata/claude-code-2.1.328/README.md record it.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
)

// hookScript writes a hook that appends its payload and, for SessionEnd,
// ticks a file every 100 ms for 5 s.
func hookScript(t *testing.T, dir string) string {
	p := filepath.Join(dir, "hook.sh")
	s := `#!/bin/sh
payload=$(cat)
ev=$(printf '%s' "$payload" | sed -n 's/.*"hook_event_name":"\([A-Za-z]*\)".*/\1/p')
printf '%s\n' "$payload" >> "` + dir + `/events.jsonl"
if [ "$ev" = SessionEnd ]; then
  i=0; while [ $i -lt 50 ]; do date +%s.%N >> "` + dir + `/ticks"; sleep 0.1; i=$((i+1)); done
fi
exit 0
`
	if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func settingsJSON(hook string, timeout int) string {
	h := map[string]any{"type": "command", "command": hook}
	if timeout > 0 {
		h["timeout"] = timeout
	}
	m := map[string]any{}
	for _, ev := range []string{"SessionStart", "Stop", "StopFailure", "SessionEnd", "UserPromptSubmit"} {
		m[ev] = []any{map[string]any{"hooks": []any{h}}}
	}
	b, _ := json.Marshal(map[string]any{"hooks": m})
	return string(b)
}

func probeRun(t *testing.T, name string, extraEnv []string, setup func(home, project, dir string) []string) {
	claude := claudetest.Claude(t)
	srv := fakeapi.Start(t, func(n int, _ []byte) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Text, Text: "hi"} })
	home := t.TempDir()
	project := filepath.Join(home, "project")
	os.Mkdir(project, 0o755)
	dir := t.TempDir()
	args := setup(home, project, dir)
	cmd := exec.Command(claude, append([]string{"-p", "say hi", "--output-format", "stream-json", "--verbose"}, args...)...)
	cmd.Dir = project
	cmd.Env = append(claudetest.Env(home, srv.URL), extraEnv...)
	if m := os.Getenv("CCQ_PROBE_MANAGED"); m != "" {
		cmd.Env = append(cmd.Env, "CLAUDE_CODE_MANAGED_SETTINGS_PATH="+m)
		os.Unsetenv("CCQ_PROBE_MANAGED")
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	time.Sleep(6 * time.Second)
	ev, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	ticks, _ := os.ReadFile(filepath.Join(dir, "ticks"))
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(string(ev)), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			names = append(names, fmt.Sprint(m["hook_event_name"], "/", m["source"], m["reason"]))
		}
	}
	nt := len(strings.Fields(string(ticks)))
	t.Logf("PROBE %s: exit err=%v wall=%v events=%v sessionend_ticks=%d (%.1fs)", name, err, wall.Round(time.Millisecond), names, nt, float64(nt)/10)
	if name == "plain" {
		t.Logf("events:\n%s", ev)
	}
	if len(out) > 0 {
		l := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Logf("last out: %.300s", l[len(l)-1])
	}
}

func TestProbe24(t *testing.T) {
	if os.Getenv("CCQ_PROBE") == "" {
		t.Skip("probe")
	}
	userSettings := func(timeout int) func(home, project, dir string) []string {
		return func(home, project, dir string) []string {
			os.MkdirAll(filepath.Join(home, ".claude"), 0o755)
			os.WriteFile(filepath.Join(home, ".claude", "settings.json"), []byte(settingsJSON(hookScript(t, dir), timeout)), 0o644)
			return nil
		}
	}
	t.Run("bare-managed-file", func(t *testing.T) {
		probeRun(t, "bare managed via CLAUDE_CODE_MANAGED_SETTINGS_PATH file", nil, func(h, p, d string) []string {
			f := filepath.Join(d, "managed-settings.json")
			os.WriteFile(f, []byte(settingsJSON(hookScript(t, d), 0)), 0o644)
			os.Setenv("CCQ_PROBE_MANAGED", f)
			return []string{"--bare"}
		})
	})
	t.Run("bare-managed-dir", func(t *testing.T) {
		probeRun(t, "bare managed via CLAUDE_CODE_MANAGED_SETTINGS_PATH dir", nil, func(h, p, d string) []string {
			f := filepath.Join(d, "managed-settings.json")
			os.WriteFile(f, []byte(settingsJSON(hookScript(t, d), 0)), 0o644)
			os.Setenv("CCQ_PROBE_MANAGED", d)
			return []string{"--bare"}
		})
	})
	t.Run("bare-managed-etc", func(t *testing.T) {
		if _, err := os.Stat("/etc/claude-code"); err == nil {
			t.Skip("/etc/claude-code exists: the probe writes managed settings only where there are none")
		}
		probeRun(t, "bare managed /etc/claude-code", nil, func(h, p, d string) []string {
			os.MkdirAll("/etc/claude-code", 0o755)
			os.WriteFile("/etc/claude-code/managed-settings.json", []byte(settingsJSON(hookScript(t, d), 0)), 0o644)
			t.Cleanup(func() { os.RemoveAll("/etc/claude-code") })
			return []string{"--bare"}
		})
	})
	t.Run("settings-no-timeout", func(t *testing.T) { probeRun(t, "settings hook, no timeout", nil, userSettings(0)) })
	if os.Getenv("CCQ_PROBE_ONLY_NEW") != "" {
		return
	}
	t.Run("plain", func(t *testing.T) { probeRun(t, "plain", nil, userSettings(30)) })
	t.Run("envbudget", func(t *testing.T) {
		probeRun(t, "envbudget-4000", []string{"CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS=4000"}, userSettings(30))
	})
	t.Run("bare-user", func(t *testing.T) {
		probeRun(t, "bare-user-settings", nil, func(h, p, d string) []string { userSettings(0)(h, p, d); return []string{"--bare"} })
	})
	t.Run("bare-settings-flag", func(t *testing.T) {
		probeRun(t, "bare --settings", nil, func(h, p, d string) []string {
			f := filepath.Join(d, "s.json")
			os.WriteFile(f, []byte(settingsJSON(hookScript(t, d), 0)), 0o644)
			return []string{"--bare", "--settings", f}
		})
	})
	t.Run("bare-plugin-dir", func(t *testing.T) {
		probeRun(t, "bare --plugin-dir", nil, func(h, p, d string) []string {
			pd := filepath.Join(d, "plug")
			os.MkdirAll(filepath.Join(pd, ".claude-plugin"), 0o755)
			os.WriteFile(filepath.Join(pd, ".claude-plugin", "plugin.json"), []byte(`{"name":"probe","version":"0.0.1","hooks":"./hooks.json"}`), 0o644)
			os.WriteFile(filepath.Join(pd, "hooks.json"), []byte(settingsJSON(hookScript(t, d), 30)), 0o644)
			return []string{"--bare", "--plugin-dir", pd}
		})
	})
	t.Run("plugin-dir-timeout30", func(t *testing.T) {
		probeRun(t, "plugin-dir (not bare) timeout 30", nil, func(h, p, d string) []string {
			pd := filepath.Join(d, "plug")
			os.MkdirAll(filepath.Join(pd, ".claude-plugin"), 0o755)
			os.WriteFile(filepath.Join(pd, ".claude-plugin", "plugin.json"), []byte(`{"name":"probe","version":"0.0.1","hooks":"./hooks.json"}`), 0o644)
			os.WriteFile(filepath.Join(pd, "hooks.json"), []byte(settingsJSON(hookScript(t, d), 30)), 0o644)
			return []string{"--plugin-dir", pd}
		})
	})
}

func TestProbeDeadPort(t *testing.T) {
	if os.Getenv("CCQ_PROBE") == "" {
		t.Skip("probe")
	}
	claude := claudetest.Claude(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + l.Addr().String()
	l.Close()
	home := t.TempDir()
	cmd := exec.Command(claude, "-p", "say hi", "--output-format", "stream-json", "--verbose")
	cmd.Dir = home
	cmd.Env = claudetest.Env(home, url)
	r := runClaude(t, cmd, 90*time.Second)
	t.Logf("dead port: exit %d wall %v\nstdout:\n%s\nstderr:\n%s", r.code, r.wall, r.stdout, r.stderr)
}

func TestProbeFork(t *testing.T) {
	if os.Getenv("CCQ_PROBE") == "" {
		t.Skip("probe")
	}
	claude := claudetest.Claude(t)
	srv := fakeapi.Start(t, func(n int, _ []byte) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Text, Text: "hi"} })
	home := t.TempDir()
	project := filepath.Join(home, "project")
	os.Mkdir(project, 0o755)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".claude"), 0o755)
	os.WriteFile(filepath.Join(home, ".claude", "settings.json"), []byte(settingsJSON(hookScript(t, dir), 0)), 0o644)
	run := func(args ...string) string {
		cmd := exec.Command(claude, append([]string{"-p", "say hi", "--output-format", "json"}, args...)...)
		cmd.Dir = project
		cmd.Env = claudetest.Env(home, srv.URL)
		out, err := cmd.Output()
		t.Logf("run %v: %v %.200s", args, err, out)
		var m map[string]any
		json.Unmarshal(out, &m)
		s, _ := m["session_id"].(string)
		return s
	}
	id := run()
	run("--resume", id, "--fork-session")
	run("--resume", id)
	time.Sleep(2 * time.Second)
	ev, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	for _, l := range strings.Split(string(ev), "\n") {
		if strings.Contains(l, "SessionStart") {
			t.Logf("%s", l)
		}
	}
}
