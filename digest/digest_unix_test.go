//go:build unix

package digest

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFIFORefused: a FIFO in place of the history is refused, not read.
func TestFIFORefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "history.jsonl")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p, "t", 3); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("err %v", err)
	}
}
