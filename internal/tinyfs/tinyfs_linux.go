// Package tinyfs gives full-disk tests a real filesystem to fill: a small
// tmpfs mounted for the test. Mounting needs root; CI runs as root.
package tinyfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a 256 KiB tmpfs on a temporary directory for the rest of
// the test and returns it. Without the right to mount, the test is skipped
// with the reason, except under CI=true, where that is a failure.
func Mount(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v (CI runs as root and must be able to)", err)
		}
		t.Skipf("mount tmpfs: %v (run as root to test a full disk)", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// Fill takes every free byte of the filesystem at dir, to the last
// partial block; free gives it back.
func Fill(t testing.TB, dir string) (free func()) {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for {
		if _, err := f.Write(buf[:1]); err != nil {
			break
		}
	}
	f.Close()
	return func() {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}
