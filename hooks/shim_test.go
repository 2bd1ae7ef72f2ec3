package hooks_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

// TestShimNeverFails: with no binary and no go, or a build that fails, the
// plugin's shim exits 0 with nothing on stdout, and a failed build is not
// retried by the next hook.
func TestShimNeverFails(t *testing.T) {
	shim, sh, root := shimPlugin(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go")
	}
	// root has no bin/ and no sources: the build fails.
	withGo := t.TempDir()
	if err := os.Symlink(goBin, filepath.Join(withGo, "go")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		failed     bool
	}{
		{"no go", "/nonexistent", false},
		{"build fails", withGo + ":/usr/bin:/bin", true},
		{"failed build not retried", withGo + ":/usr/bin:/bin", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(root, "data")
			cmd := exec.Command(sh, shim)
			cmd.Env = []string{"PATH=" + tc.path, "HOME=" + root, "CLAUDE_PLUGIN_ROOT=" + root, "CLAUDE_PLUGIN_DATA=" + data,
				"GOCACHE=" + filepath.Join(root, "gocache"), "GOFLAGS=-mod=readonly", "GOPROXY=off"}
			cmd.Stdin = strings.NewReader(`{"hook_event_name":"SessionStart"}`)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("shim: %v\n%s", err, errb.Bytes())
			}
			if out.Len() != 0 || errb.Len() != 0 {
				t.Errorf("stdout %q, stderr %q", out.Bytes(), errb.Bytes())
			}
			failed, _ := filepath.Glob(filepath.Join(data, "bin", root, "*.failed"))
			if (len(failed) == 1) != tc.failed {
				t.Errorf("failure markers %v", failed)
			}
			if _, err := os.Stat(filepath.Join(data, "build.lock")); err == nil {
				t.Error("lock left behind")
			}
		})
	}
}

// shimPlugin is the plugin's shim, the sh that runs it, and a plugin
// folder of its own (.claude-plugin/plugin.json, nothing else).
func shimPlugin(t *testing.T) (shim, sh, root string) {
	t.Helper()
	shim = filepath.Join(claudetest.RepoRoot(), "plugin", "ccq-hook")
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	root = t.TempDir()
	os.MkdirAll(filepath.Join(root, ".claude-plugin"), 0o755)
	os.WriteFile(filepath.Join(root, ".claude-plugin", "plugin.json"), []byte(`{"name":"ccq"}`), 0o644)
	return shim, sh, root
}
