//go:build windows

package claudetest

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive lock on f with LockFileEx, waiting for its holder.
func lockFile(f *os.File) error {
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, ^uint32(0), ^uint32(0), &ol)
}
