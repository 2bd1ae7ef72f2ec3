package hooks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestShimRefusesSharedDataDir: the plugin's shim runs the binary it built
// from $CLAUDE_PLUGIN_DATA only when that folder is the user's own and not
// group- or other-writable; and it never writes build.log through a link
// planted there. A planted "ccq-hook" leaves a marker when it runs.
func TestShimRefusesSharedDataDir(t *testing.T) {
	shim, sh, root := shimPlugin(t)
	// run runs the shim and fails unless it exits 0 and says what
	// refused (the one line the shim prints, on stderr) or nothing.
	run := func(t *testing.T, data, path string, refused bool) {
		t.Helper()
		cmd := exec.Command(sh, shim)
		cmd.Env = []string{"PATH=" + path, "HOME=" + root, "CLAUDE_PLUGIN_ROOT=" + root, "CLAUDE_PLUGIN_DATA=" + data,
			"GOCACHE=" + filepath.Join(root, "gocache"), "GOFLAGS=-mod=readonly", "GOPROXY=off"}
		cmd.Stdin = strings.NewReader(`{"hook_event_name":"SessionStart"}`)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		want := ""
		if refused {
			want = "ccq-hook shim: " + data + " is not yours or is writable by group or others; not using it (chmod go-w it)\n"
		}
		if err != nil || stdout.Len() != 0 || stderr.String() != want {
			t.Fatalf("shim: %v, stdout %q, stderr %q, want stderr %q", err, stdout.String(), stderr.String(), want)
		}
	}
	// plant makes data (mode) holding a fresh ccq-hook for root that
	// touches marker.
	plant := func(t *testing.T, mode os.FileMode) (data, marker string) {
		t.Helper()
		dir := t.TempDir()
		data, marker = filepath.Join(dir, "data"), filepath.Join(dir, "ran")
		bin := filepath.Join(data, "bin", root, "ccq-hook")
		if err := os.MkdirAll(filepath.Dir(bin), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, []byte("#!/bin/sh\n: >"+marker+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(data, mode); err != nil {
			t.Fatal(err)
		}
		return data, marker
	}
	t.Run("private: used", func(t *testing.T) {
		data, marker := plant(t, 0o700)
		run(t, data, "/usr/bin:/bin", false)
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("the binary in a private data folder did not run: %v", err)
		}
	})
	for _, mode := range []os.FileMode{0o777, 0o770, 0o702} {
		t.Run("writable "+mode.String(), func(t *testing.T) {
			data, marker := plant(t, mode)
			run(t, data, "/usr/bin:/bin", true)
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the binary in a %v data folder ran", mode)
			}
		})
	}
	t.Run("another user's", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give the folder to another user")
		}
		data, marker := plant(t, 0o700)
		if err := os.Chown(data, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		run(t, data, "/usr/bin:/bin", true)
		if _, err := os.Stat(marker); err == nil {
			t.Error("the binary in another user's data folder ran")
		}
	})
	t.Run("build.log link", func(t *testing.T) {
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Skip("no go")
		}
		withGo := t.TempDir()
		if err := os.Symlink(goBin, filepath.Join(withGo, "go")); err != nil {
			t.Fatal(err)
		}
		data := filepath.Join(t.TempDir(), "data")
		os.Mkdir(data, 0o700)
		victim := filepath.Join(t.TempDir(), "victim")
		os.WriteFile(victim, []byte("keep\n"), 0o644)
		if err := os.Symlink(victim, filepath.Join(data, "build.log")); err != nil {
			t.Fatal(err)
		}
		run(t, data, withGo+":/usr/bin:/bin", false) // no sources: the build fails, its output goes to build.log
		if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
			t.Errorf("build.log written through the link: victim now %q", b)
		}
		if st, err := os.Lstat(filepath.Join(data, "build.log")); err != nil || !st.Mode().IsRegular() {
			t.Errorf("build.log: %v %v, want a regular file", st, err)
		}
	})
}
