//go:build windows

package install

import (
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// ownerUID has no Unix owner to report on Windows; the ownership checks
// that use it are skipped there.
func ownerUID(fi fs.FileInfo) (int, bool) { return 0, false }

// oNoFollow is empty on Windows: the only open that uses it also has
// O_CREATE|O_EXCL, which fails on any existing name, a link included.
const oNoFollow = 0

// lockDir takes an exclusive lock with LockFileEx, waiting for another
// ccq-hook that holds it, and returns its release. Windows cannot lock a
// folder handle opened by os.Open, so the lock is on a file in it, which
// stays behind.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(dir+`\.ccq-hook.lock`, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, ^uint32(0), ^uint32(0), &ol)
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "lock", Path: dir, Err: err}
	}
	return func() { f.Close() }, nil // closing the handle releases the lock
}

// RunnableByAll cannot read Windows ACLs from a mode and answers nil.
func RunnableByAll(prog string) error { return nil }
