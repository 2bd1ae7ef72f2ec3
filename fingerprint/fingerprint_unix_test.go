//go:build unix

package fingerprint

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestConfigFIFO: a FIFO in place of a memory file is skipped, never
// opened (opening one would wait for a writer).
func TestConfigFIFO(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	dir := filepath.Join(proj, "a", "b")
	os.MkdirAll(filepath.Join(dir, ".claude"), 0o755)
	os.WriteFile(filepath.Join(dir, "CLAUDE.md"), []byte("be brief\n"), 0o644)
	prev := Compute(Start{Dir: dir, Home: home, Prompt: "p"})
	fifo := filepath.Join(proj, "a", "CLAUDE.md")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if fp := Compute(Start{Dir: dir, Home: home, Prompt: "p"}); fp[PartMemory] != prev[PartMemory] {
		t.Errorf("fifo changed the memory hash")
	}
}
