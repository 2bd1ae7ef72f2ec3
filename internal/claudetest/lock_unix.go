//go:build unix

package claudetest

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f, waiting for its holder.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }
