//go:build unix

package install

import (
	"io/fs"
	"os"
	"syscall"
)

func ownerUID(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// lockDir takes an exclusive advisory lock on the folder dir, waiting for
// another ccq-hook that holds it, and returns its release. Locking the
// folder rather than a lock file leaves nothing behind, and settles two
// links to one file as well as two names for it.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "lock", Path: dir, Err: err}
	}
	return func() { f.Close() }, nil // closing the last descriptor releases the lock
}
