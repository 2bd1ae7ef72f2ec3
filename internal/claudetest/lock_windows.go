//go:build windows

package claudetest

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive lock on f with LockFileEx, waiting for its holder.
func lockFile(f *os.File) error { return lockFileAs(f, true) }

// lockFileAs takes a shared or exclusive lock on f with LockFileEx, waiting
// for a holder of the other kind.
func lockFileAs(f *os.File, exclusive bool) error {
	var flags uint32
	if exclusive {
		flags = windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, ^uint32(0), ^uint32(0), &ol)
}
