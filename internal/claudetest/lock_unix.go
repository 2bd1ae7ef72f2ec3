//go:build unix

package claudetest

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f, waiting for its holder.
func lockFile(f *os.File) error { return lockFileAs(f, true) }

// lockFileAs takes a shared or exclusive advisory lock on f, waiting for a
// holder of the other kind.
func lockFileAs(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
