package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/install"
)

// envTestManaged names the managed settings file of this test binary and of
// the ccq-hook it runs for testscripts. The variable is read here only, in
// a test file: a real ccq-hook has no way to be pointed elsewhere.
const envTestManaged = "CCQ_TEST_MANAGED_SETTINGS"

// init keeps every test away from the machine's managed settings: they
// are $CCQ_TEST_MANAGED_SETTINGS, else etc/claude-code/managed-settings.json
// in the script's $WORK, else in a folder of this process's own.
func init() {
	managedSettings = os.Getenv(envTestManaged)
	if managedSettings != "" {
		return
	}
	dir := os.Getenv("WORK")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("ccq-hook-test-%d", os.Getpid()))
	}
	managedSettings = filepath.Join(dir, "etc", "claude-code", install.ManagedFile)
}

// goldenCommand is the hook command the tests register.
const goldenCommand = "/usr/local/bin/ccq-hook"

const otherSettings = "{\n  \"model\": \"sonnet\",\n  \"env\": {\n    \"SECRET\": \"s3cr3t\"\n  }\n}\n"

// runMain runs a subcommand as the ccq-hook binary would and returns its
// output.
func runMain(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = runCommand(args, env, &o, &e)
	return code, o.String(), e.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestFiles covers the file system around the settings: links, modes,
// missing folders, read-only and unwritable paths, backups.
func TestFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup prepares dir and returns the settings path to pass with
		// --settings ("" to use --scope with HOME=dir/home and the project
		// dir/proj) and extra arguments.
		setup func(t *testing.T, dir string) (settings string, args []string)
		check func(t *testing.T, dir string, code int, stdout, stderr string)
	}{
		{
			name: "symlink is written through to its target",
			setup: func(t *testing.T, dir string) (string, []string) {
				must(t, os.MkdirAll(filepath.Join(dir, "dotfiles"), 0o755))
				must(t, os.MkdirAll(filepath.Join(dir, "home", ".claude"), 0o755))
				must(t, os.WriteFile(filepath.Join(dir, "dotfiles", "claude.json"), []byte(otherSettings), 0o640))
				if err := os.Symlink("../../dotfiles/claude.json", filepath.Join(dir, "home", ".claude", "settings.json")); err != nil {
					t.Fatal(err)
				}
				return "", []string{"--scope", "user"}
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				link := filepath.Join(dir, "home", ".claude", "settings.json")
				target := filepath.Join(dir, "dotfiles", "claude.json")
				if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
				}
				if !strings.Contains(mustRead(t, target), goldenCommand) {
					t.Errorf("target not updated:\n%s", mustRead(t, target))
				}
				if m := mode(t, target); m != 0o640 {
					t.Errorf("target mode %o, want 640", m)
				}
				if got := mustRead(t, target+install.BackupSuffix); got != otherSettings {
					t.Errorf("backup = %q", got)
				}
				if m := mode(t, target+install.BackupSuffix); m != 0o640 {
					t.Errorf("backup mode %o, want 640", m)
				}
			},
		},
		{
			name: "dangling symlink creates its target",
			setup: func(t *testing.T, dir string) (string, []string) {
				must(t, os.MkdirAll(filepath.Join(dir, "real"), 0o755))
				if err := os.Symlink(filepath.Join(dir, "real", "s.json"), filepath.Join(dir, "link.json")); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(dir, "link.json"), nil
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				if !strings.Contains(mustRead(t, filepath.Join(dir, "real", "s.json")), goldenCommand) {
					t.Error("target not written")
				}
				if fi, err := os.Lstat(filepath.Join(dir, "link.json")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the link was replaced (%v)", err)
				}
			},
		},
		{
			name: "private file keeps its mode",
			setup: func(t *testing.T, dir string) (string, []string) {
				p := filepath.Join(dir, "s.json")
				must(t, os.WriteFile(p, []byte(otherSettings), 0o600))
				return p, nil
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				p := filepath.Join(dir, "s.json")
				if m := mode(t, p); m != 0o600 {
					t.Errorf("mode %o, want 600", m)
				}
				if m := mode(t, p+install.BackupSuffix); m != 0o600 {
					t.Errorf("backup mode %o, want 600", m)
				}
			},
		},
		{
			name: "project scope creates .claude",
			setup: func(t *testing.T, dir string) (string, []string) {
				must(t, os.MkdirAll(filepath.Join(dir, "proj"), 0o755))
				return "", []string{"--scope", "project"}
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				p := filepath.Join(dir, "proj", ".claude", "settings.json")
				if m := mode(t, p); m != install.NewFileMode {
					t.Errorf("mode %o, want %o", m, install.NewFileMode)
				}
				if _, err := os.Stat(p + install.BackupSuffix); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a backup of nothing: %v", err)
				}
				if !strings.Contains(stdout, "installed ccq-hook in "+p+" (project scope)") {
					t.Errorf("stdout: %s", stdout)
				}
			},
		},
		{
			name: "local scope",
			setup: func(t *testing.T, dir string) (string, []string) {
				return "", []string{"--scope", "local"}
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				mustRead(t, filepath.Join(dir, "proj", ".claude", "settings.local.json"))
			},
		},
		{
			name: "CLAUDE_CONFIG_DIR moves the user settings",
			setup: func(t *testing.T, dir string) (string, []string) {
				return "", []string{"--scope", "user", "CLAUDE_CONFIG_DIR=" + filepath.Join(dir, "cfg")}
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				mustRead(t, filepath.Join(dir, "cfg", "settings.json"))
				if _, err := os.Stat(filepath.Join(dir, "home", ".claude")); err == nil {
					t.Error("wrote to HOME too")
				}
			},
		},
		{
			name: "read-only file is refused",
			setup: func(t *testing.T, dir string) (string, []string) {
				p := filepath.Join(dir, "s.json")
				must(t, os.WriteFile(p, []byte(otherSettings), 0o444))
				return p, nil
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				p := filepath.Join(dir, "s.json")
				if code != 1 || !strings.Contains(stderr, "ccq-hook: error: "+p+" is read-only (mode 0444)\nccq-hook: hint: ") {
					t.Errorf("code %d, stderr %s", code, stderr)
				}
				if mustRead(t, p) != otherSettings {
					t.Error("file changed")
				}
				if _, err := os.Stat(p + install.BackupSuffix); err == nil {
					t.Error("backup written")
				}
			},
		},
		{
			name: "unwritable folder is refused",
			setup: func(t *testing.T, dir string) (string, []string) {
				must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
				return filepath.Join(dir, "file", "s.json"), nil
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				if code != 1 || !strings.HasPrefix(stderr, "ccq-hook: error: ") || !strings.Contains(stderr, "not a directory") {
					t.Errorf("code %d, stderr %s", code, stderr)
				}
			},
		},
		{
			name: "a folder is not a settings file",
			setup: func(t *testing.T, dir string) (string, []string) {
				must(t, os.MkdirAll(filepath.Join(dir, "s.json"), 0o755))
				return filepath.Join(dir, "s.json"), nil
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				if code != 1 || !strings.Contains(stderr, "is not a regular file") {
					t.Errorf("code %d, stderr %s", code, stderr)
				}
			},
		},
		{
			name: "malformed file is left untouched",
			setup: func(t *testing.T, dir string) (string, []string) {
				p := filepath.Join(dir, "s.json")
				must(t, os.WriteFile(p, []byte("{\n  \"hooks\": {\n    \"Stop\": {}\n  }\n}\n"), 0o644))
				return p, nil
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				p := filepath.Join(dir, "s.json")
				want := "ccq-hook: error: " + p + `:3:13: hooks event "Stop" is an object, expecting a list` + "\n"
				if code != 2 || !strings.HasPrefix(stderr, want) || stdout != "" {
					t.Errorf("code %d\nstderr %s\nwant   %s", code, stderr, want)
				}
				if _, err := os.Stat(p + install.BackupSuffix); err == nil {
					t.Error("backup written")
				}
			},
		},
		{
			name: "dry run writes nothing",
			setup: func(t *testing.T, dir string) (string, []string) {
				return filepath.Join(dir, "new", "s.json"), []string{"--dry-run"}
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
					t.Error("dry run created the folder")
				}
				if !strings.HasPrefix(stdout, "--- /dev/null\n+++ "+filepath.Join(dir, "new", "s.json")+"\n@@ -0,0 +1,45 @@\n+{\n") {
					t.Errorf("stdout:\n%s", stdout)
				}
			},
		},
		{
			name: "no HOME for the user scope",
			setup: func(t *testing.T, dir string) (string, []string) {
				return "", []string{"--scope", "user", "HOME="}
			},
			check: func(t *testing.T, dir string, code int, stdout, stderr string) {
				if code != 2 || !strings.Contains(stderr, "ccq-hook: error: HOME is not set") {
					t.Errorf("code %d, stderr %s", code, stderr)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"HOME": filepath.Join(dir, "home"), install.EnvProjectDir: filepath.Join(dir, "proj")}
			settings, extra := tc.setup(t, dir)
			args := []string{"install", "--command", goldenCommand}
			if settings != "" {
				args = append(args, "--settings", settings)
			}
			for _, a := range extra {
				if k, v, ok := strings.Cut(a, "="); ok && !strings.HasPrefix(a, "-") {
					env[k] = v
					continue
				}
				args = append(args, a)
			}
			code, stdout, stderr := runMain(t, env, args...)
			tc.check(t, dir, code, stdout, stderr)
			if strings.Contains(tc.name, "refused") || strings.Contains(tc.name, "untouched") ||
				strings.Contains(tc.name, "not a") || strings.Contains(tc.name, "no HOME") {
				return
			}
			if code != 0 || stderr != "" {
				t.Errorf("code %d, stderr %s", code, stderr)
			}
		})
	}
}
