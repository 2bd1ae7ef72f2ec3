//go:build unix

package launch

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestResolveFIFOAndDevice: a FIFO or a link to /dev/zero as a task file
// is refused at once (a FIFO hung ccq launch and ccq tasks), and a task
// file over the limit is refused from the one read.
func TestResolveFIFOAndDevice(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.md")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // let a regressed open go
		if w, err := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.md"), make([]byte, maxTaskFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{"fifo.md": "not a regular file", "zero.md": "not a regular file", "big.md": "more than the"} {
		done := make(chan error, 1)
		go func() { _, err := Resolve(arg, dir, dir); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Resolve(%s): %v, want %q", arg, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Resolve(%s) still blocked after 10s", arg)
		}
	}
	// ccq tasks: the three are listed as errors, none read.
	done := make(chan int, 1)
	go func() { _, errs, _ := List(dir); done <- len(errs) }()
	select {
	case n := <-done:
		if n != 3 {
			t.Errorf("List: %d errors, want 3", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("List still blocked after 10s")
	}
}
