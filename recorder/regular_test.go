//go:build unix

package recorder

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccq-dev/ccq/internal/fifotest"
)

func TestReadRegularRefusesFIFOAndDevice(t *testing.T) {
	fifo := fifotest.Make(t)
	err := fifotest.Within(t, fifo, func() error { _, err := ReadRegular(fifo, 1<<20); return err })
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
	fifo := fifotest.Make(t)
	err := fifotest.Within(t, fifo, func() error { _, err := scanTranscript(fifo, 0, false, nil); return err })
	if !errors.Is(err, ErrNotRegular) {
		t.Errorf("scanTranscript(FIFO): %v, want ErrNotRegular", err)
	}
}
