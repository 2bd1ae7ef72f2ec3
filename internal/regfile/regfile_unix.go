//go:build unix

package regfile

import (
	"os"
	"syscall"
)

// openNoBlock opens path without blocking should it have become a FIFO.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
