//go:build unix

package recorder

import (
	"errors"
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

// TryLock takes an exclusive advisory lock on f without waiting: false,
// nil when another process holds it. The kernel drops it when the holder
// dies.
func TryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil
		}
		return err == nil, err
	}
}
