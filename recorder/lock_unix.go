//go:build unix

package recorder

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock, waiting for other writers.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}
