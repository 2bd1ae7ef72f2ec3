//go:build unix

package install

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestManagedFolderMode: under a umask of 077 the managed settings' new
// folder and file are still readable by every user (Claude Code reads them
// as whoever runs it); a user-scope folder keeps the umask.
func TestManagedFolderMode(t *testing.T) {
	asUser(t, 0)
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	root := t.TempDir()
	managed := filepath.Join(root, "etc", "claude-code", ManagedFile)
	if _, err := Install(managed, goldenCommand, ScopeOptions(ScopeManaged)); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(root, "home", ".claude", "settings.json")
	if _, err := Install(user, goldenCommand, ScopeOptions(ScopeUser)); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{
		filepath.Dir(managed): 0o755, managed: 0o644,
		filepath.Dir(user): 0o700,
	} {
		if got := mode(t, path); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
}

func TestRunnableByAll(t *testing.T) {
	tmp := t.TempDir()
	// testing makes both of its folders private.
	must(t, os.Chmod(tmp, 0o755))
	must(t, os.Chmod(filepath.Dir(tmp), 0o755))
	dir := filepath.Join(tmp, "bin")
	must(t, os.Mkdir(dir, 0o755))
	prog := filepath.Join(dir, BinaryName)
	must(t, os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755))
	for d := filepath.Dir(filepath.Dir(tmp)); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("the temporary folder %s is private (%v)", d, err)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if err := RunnableByAll(prog); err != nil {
		t.Fatalf("a mode 0755 binary in 0755 folders: %v", err)
	}
	must(t, os.Chmod(dir, 0o700))
	if err := RunnableByAll(prog); err == nil || !strings.Contains(err.Error(), "is in "+dir+", which is mode 0700") {
		t.Errorf("binary in a 0700 folder: %v", err)
	}
	must(t, os.Chmod(dir, 0o755))
	must(t, os.Chmod(prog, 0o750))
	if err := RunnableByAll(prog); err == nil || !strings.Contains(err.Error(), prog+" is mode 0750") {
		t.Errorf("binary of mode 0750: %v", err)
	}
	if err := RunnableByAll("ccq-hook"); err != nil {
		t.Errorf("a bare name cannot be judged: %v", err)
	}
}
