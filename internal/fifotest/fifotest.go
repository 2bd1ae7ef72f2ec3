//go:build unix

package fifotest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Make makes a FIFO in a temp dir. Cleanup opens its other end without
// blocking, so a regressed open that waits for a peer is let go.
func Make(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Unblock(p) })
	return p
}

// Unblock opens both ends of the FIFO at p for a moment, releasing
// whoever waits in an open of it.
func Unblock(p string) {
	r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
	r.Close()
}

// Within runs f and fails the test if it has not returned in a generous
// bound (a FIFO that hangs it is the bug being tested); the FIFO is then
// unblocked so the goroutine ends.
func Within(t testing.TB, fifo string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		Unblock(fifo)
		t.Fatalf("still blocked on the FIFO %s after 10s", fifo)
		return nil
	}
}

// MustBeFIFO fails the test unless p is still a FIFO.
func MustBeFIFO(t testing.TB, p string) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is no longer a FIFO: %v %v", p, st, err)
	}
}
