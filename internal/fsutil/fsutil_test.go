//go:build unix

package fsutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ccq-dev/ccq/internal/fifotest"
)

// TestWriteFileAtomicFIFO: a FIFO with a reader is written into, and stays
// a FIFO; one without a reader is an error at once, not a hang, and stays
// a FIFO too.
func TestWriteFileAtomicFIFO(t *testing.T) {
	fifo := fifotest.Make(t)
	err := fifotest.Within(t, fifo, func() error { return WriteFileAtomic(fifo, []byte("report\n"), 0o600) })
	if err == nil || !strings.Contains(err.Error(), "no reader") {
		t.Errorf("FIFO without a reader: %v, want a no-reader error", err)
	}
	fifotest.MustBeFIFO(t, fifo)

	got := make(chan string, 1)
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := fifotest.Within(t, fifo, func() error { return WriteFileAtomic(fifo, []byte("report\n"), 0o600) }); err != nil {
		t.Fatalf("FIFO with a reader: %v", err)
	}
	go func() { b, _ := io.ReadAll(r); got <- string(b) }()
	if s := <-got; s != "report\n" {
		t.Errorf("reader got %q", s)
	}
	r.Close()
	fifotest.MustBeFIFO(t, fifo)
}

// TestWriteFileAtomicDevice: a link to /dev/null is written through to the
// device and both stay what they were (the writer used to rename a regular
// file over the name: as root, over /dev/null itself).
func TestWriteFileAtomicDevice(t *testing.T) {
	link := filepath.Join(t.TempDir(), "null")
	if err := os.Symlink("/dev/null", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, []byte("report\n"), 0o600); err != nil {
		t.Fatalf("link to /dev/null: %v", err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st, err)
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a character device: %v %v", st, err)
	}
}

// TestWriteFileAtomicLinkToRegular: a link to a regular file is refused:
// the link stays, its target is untouched.
func TestWriteFileAtomicLinkToRegular(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(link, []byte("report\n"), 0o600)
	if !errors.Is(err, ErrSymlink) {
		t.Errorf("link to a regular file: %v, want ErrSymlink", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("target now %q", b)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st, err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nothing"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(dangling, []byte("x"), 0o600); !errors.Is(err, ErrSymlink) {
		t.Errorf("dangling link: %v, want ErrSymlink", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nothing")); err == nil {
		t.Error("the dangling link's target was created")
	}
	// A regular file is still replaced, and a new one created.
	if err := WriteFileAtomic(target, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("regular file now %q", b)
	}
}

// TestReplaceFileRefusesNonRegular: ccq's own files (the summary cache)
// are never written into a FIFO, device or link planted at their name.
func TestReplaceFileRefusesNonRegular(t *testing.T) {
	fifo := fifotest.Make(t)
	if err := fifotest.Within(t, fifo, func() error { return ReplaceFile(fifo, []byte("x"), 0o600) }); !errors.Is(err, ErrNotRegular) {
		t.Errorf("FIFO: %v, want ErrNotRegular", err)
	}
	fifotest.MustBeFIFO(t, fifo)
	link := filepath.Join(t.TempDir(), "null")
	if err := os.Symlink("/dev/null", link); err != nil {
		t.Fatal(err)
	}
	if err := ReplaceFile(link, []byte("x"), 0o600); !errors.Is(err, ErrSymlink) {
		t.Errorf("link: %v, want ErrSymlink", err)
	}
}

// TestReplaceModeAndLeftovers: a replaced file has the mode asked for,
// whatever it had and whatever the umask, and no temporary file is left
// beside it.
func TestReplaceModeAndLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	if err := WriteFileAtomic(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", st.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("content %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*"+TempInfix+"*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
