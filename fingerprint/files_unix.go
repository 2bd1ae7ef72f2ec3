//go:build unix

package fingerprint

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without blocking on a FIFO that
// replaced a checked regular file.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
