//go:build unix

package install

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// RunnableByAll tells why users other than its owner cannot run the
// program prog (an absolute path): a folder on the way they may not enter,
// or a file they may not execute. Group rights are not counted: the
// managed settings run for everyone.
func RunnableByAll(prog string) error {
	if !filepath.IsAbs(prog) {
		return nil
	}
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o001 == 0 {
		return fmt.Errorf("%s is mode %04o", real, fi.Mode().Perm())
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is in %s, which is mode %04o", real, dir, fi.Mode().Perm())
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}
