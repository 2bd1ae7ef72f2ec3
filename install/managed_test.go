package install

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestManagedSettingsPath(t *testing.T) {
	for goos, want := range map[string]string{
		"linux":   "/etc/claude-code/managed-settings.json",
		"darwin":  "/Library/Application Support/ClaudeCode/managed-settings.json",
		"windows": `C:\Program Files\ClaudeCode\managed-settings.json`,
		"freebsd": "/etc/claude-code/managed-settings.json",
	} {
		if got := ManagedSettingsPath(goos); got != want {
			t.Errorf("%s: %q, want %q", goos, got, want)
		}
	}
	if p, err := SettingsPath(ScopeManaged, map[string]string{}, "/x"); err != nil || !strings.HasSuffix(p, "managed-settings.json") {
		t.Errorf("SettingsPath(managed) = %q, %v", p, err)
	}
}

// asUser makes install believe it runs as uid.
func asUser(t *testing.T, uid int) {
	saved := euid
	euid = func() int { return uid }
	t.Cleanup(func() { euid = saved })
}

// TestManagedNeedsRoot: without root nothing is written for the managed
// settings, not even their folder, and a file already there is untouched.
func TestManagedNeedsRoot(t *testing.T) {
	managed := ScopeOptions(ScopeManaged)
	root := t.TempDir()
	p := filepath.Join(root, "etc", "claude-code", ManagedFile)
	asUser(t, 1000)

	for name, f := range map[string]func() (*Change, error){
		"install":   func() (*Change, error) { return Install(p, goldenCommand, managed) },
		"preview":   func() (*Change, error) { return PreviewInstall(p, goldenCommand, managed) },
		"uninstall": func() (*Change, error) { return Uninstall(p, managed) },
	} {
		_, err := f()
		if name == "uninstall" {
			if err != nil {
				t.Errorf("uninstall with nothing to remove: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrNoRights) || !strings.Contains(err.Error(), "only root may change the managed settings, and this is uid 1000") {
			t.Errorf("%s as uid 1000: %v, want ErrNoRights", name, err)
		}
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("a refused install created %v", entries)
	}

	// An installed file: uninstall is refused too, and the file stays.
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	asUser(t, 0)
	if _, err := Install(p, goldenCommand, managed); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, p)
	asUser(t, 1000)
	for _, f := range []func() (*Change, error){
		func() (*Change, error) { return Uninstall(p, managed) },
		func() (*Change, error) { return PreviewUninstall(p, managed) },
	} {
		if _, err := f(); !errors.Is(err, ErrNoRights) {
			t.Errorf("uninstall as uid 1000: %v, want ErrNoRights", err)
		}
	}
	if mustRead(t, p) != before {
		t.Error("a refused uninstall changed the file")
	}
	// Installing again changes nothing, so it needs no rights.
	if c, err := Install(p, goldenCommand, managed); err != nil || c.Plan.Changed() {
		t.Errorf("install over itself as uid 1000: %v", err)
	}
	// The other scopes do not ask for root.
	user := filepath.Join(root, "user", "settings.json")
	if _, err := Install(user, goldenCommand, ScopeOptions(ScopeUser)); err != nil {
		t.Errorf("user scope as uid 1000: %v", err)
	}
}

// TestManagedEvents: the managed settings get UserPromptSubmit besides the
// four events, merged into what is there; uninstall gives back the bytes.
func TestManagedEvents(t *testing.T) {
	asUser(t, 0)
	const orig = `{
  "permissions": {"deny": ["Bash(curl *)"]},
  "hooks": {
    "Stop": [{"hooks": [{"type": "command", "command": "/opt/audit/stop.sh"}]}]
  },
  "forceLoginMethod": "console"
}
`
	p := filepath.Join(t.TempDir(), ManagedFile)
	must(t, os.WriteFile(p, []byte(orig), 0o644))
	if _, err := Install(p, goldenCommand, ScopeOptions(ScopeManaged)); err != nil {
		t.Fatal(err)
	}
	st := Inspect(ScopeManaged, p)
	if !slices.Equal(st.Events, ManagedEvents) || !slices.Equal(EventsFor(ScopeManaged), ManagedEvents) {
		t.Errorf("events %v, want %v", st.Events, ManagedEvents)
	}
	got := mustRead(t, p)
	for _, keep := range []string{`"/opt/audit/stop.sh"`, `"forceLoginMethod": "console"`, `"deny": ["Bash(curl *)"]`} {
		if !strings.Contains(got, keep) {
			t.Errorf("install lost %s:\n%s", keep, got)
		}
	}
	if _, err := Uninstall(p, ScopeOptions(ScopeManaged)); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, p); got != orig {
		t.Errorf("install, uninstall:\n%s\nwant\n%s", got, orig)
	}
	if EventsFor(ScopeUser)[0] != "SessionStart" || slices.Contains(EventsFor(ScopeUser), "UserPromptSubmit") {
		t.Errorf("the user scope registers %v", EventsFor(ScopeUser))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
