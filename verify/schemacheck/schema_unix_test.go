//go:build unix

package schemacheck_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ccq-dev/ccq/verify"
)

// TestLoadSchemaFIFO: a FIFO named as the schema is refused, never read.
func TestLoadSchemaFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := verify.LoadSchema(fifo, ""); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("fifo: %v", err)
	}
}
