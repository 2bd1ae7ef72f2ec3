//go:build unix

package recorder

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a FIFO in a temp dir. Cleanup opens its other end without
// blocking, so a regressed open that waits for a peer is let go.
func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unblockFIFO(p) })
	return p
}

// unblockFIFO opens both ends of the FIFO at p for a moment, releasing
// whoever waits in an open of it.
func unblockFIFO(p string) {
	r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
	r.Close()
}

// within runs f and fails the test if it has not returned in a generous
// bound (a FIFO that hangs it is the bug being tested); the FIFO is then
// unblocked so the goroutine ends.
func within(t *testing.T, fifo string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		unblockFIFO(fifo)
		t.Fatalf("still blocked on the FIFO %s after 10s", fifo)
		return nil
	}
}

func mustBeFIFO(t *testing.T, p string) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is no longer a FIFO: %v %v", p, st, err)
	}
}

func TestReadRegularRefusesFIFOAndDevice(t *testing.T) {
	fifo := mkfifo(t)
	err := within(t, fifo, func() error { _, err := ReadRegular(fifo, 1<<20); return err })
	if !errors.Is(err, ErrNotRegular) {
		t.Errorf("FIFO: %v, want ErrNotRegular", err)
	}
	zero := filepath.Join(t.TempDir(), "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegular(zero, 1<<20); !errors.Is(err, ErrNotRegular) {
		t.Errorf("link to /dev/zero: %v, want ErrNotRegular", err)
	}
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 101), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegular(big, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("101 bytes with limit 100: %v, want ErrTooLarge", err)
	}
	if b, err := ReadRegular(big, 101); err != nil || len(b) != 101 {
		t.Errorf("101 bytes with limit 101: %d, %v", len(b), err)
	}
}

// TestScanTranscriptFIFO: a FIFO where the transcript should be is refused
// at once (ccq-hook hung on it).
func TestScanTranscriptFIFO(t *testing.T) {
	fifo := mkfifo(t)
	err := within(t, fifo, func() error { _, err := scanTranscript(fifo, 0, false, nil); return err })
	if !errors.Is(err, ErrNotRegular) {
		t.Errorf("scanTranscript(FIFO): %v, want ErrNotRegular", err)
	}
}
