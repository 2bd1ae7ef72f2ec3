//go:build unix

package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ccq-dev/ccq/install"
	"github.com/ccq-dev/ccq/internal/claudetest"
)

// nobody is the ordinary user the test runs ccq-hook as when it is root.
const nobody = 65534

// TestManagedRefusedWithoutRoot runs a real ccq-hook binary as an ordinary
// user (nobody, when the test is root) against the machine's real managed
// settings: install and uninstall are refused with exit code 1 and one
// clear error, and nothing is created or changed.
func TestManagedRefusedWithoutRoot(t *testing.T) {
	managed := install.ManagedSettingsPath(runtime.GOOS)
	// install/'s end-to-end test writes the real file; not meanwhile.
	claudetest.ManagedLock(t, false)
	before, beforeErr := os.ReadFile(managed)
	if beforeErr == nil && bytes.Contains(before, []byte(install.BinaryName)) {
		t.Skipf("%s already registers ccq-hook, so install has nothing to refuse", managed)
	}
	_, dirErr := os.Stat(filepath.Dir(managed))

	// A folder every user may enter, holding a copy of the binary.
	tmp := t.TempDir()
	for _, d := range []string{tmp, filepath.Dir(tmp)} {
		must(t, os.Chmod(d, 0o755))
	}
	hook := filepath.Join(tmp, install.BinaryName)
	b, err := os.ReadFile(filepath.Join(claudetest.Build(t, "./cmd/ccq-hook"), install.BinaryName))
	must(t, err)
	must(t, os.WriteFile(hook, b, 0o755))

	uid := os.Geteuid()
	for _, args := range [][]string{
		{"install", "--scope", "managed"},
		{"install", "--scope", "managed", "--dry-run"},
	} {
		cmd := exec.Command(hook, args...)
		cmd.Dir = tmp
		cmd.Env = []string{"HOME=" + tmp, "PATH=/usr/bin:/bin"}
		if uid == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitIO {
			t.Fatalf("%v as an ordinary user: %v, want exit code %d\n%s%s", args, err, exitIO, stdout.String(), stderr.String())
		}
		as := uid
		if uid == 0 {
			as = nobody
		}
		want := "ccq-hook: error: " + managed + ": only root may change the managed settings, and this is uid " + strconv.Itoa(as) + "\n" +
			"ccq-hook: hint: the managed settings apply to every user of the machine; ccq-hook changed nothing\n" +
			"ccq-hook: hint: run it as root: sudo ccq-hook " + strings.Join(args, " ") + "\n"
		if stderr.String() != want || stdout.Len() > 0 {
			t.Errorf("%v: stdout %q, stderr\n%s\nwant\n%s", args, stdout.String(), stderr.String(), want)
		}
	}
	after, afterErr := os.ReadFile(managed)
	if !bytes.Equal(after, before) || (beforeErr == nil) != (afterErr == nil) {
		t.Errorf("%s changed: %v %q", managed, afterErr, after)
	}
	if _, err := os.Stat(filepath.Dir(managed)); errors.Is(dirErr, fs.ErrNotExist) != errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s appeared: %v", filepath.Dir(managed), err)
	}
}
