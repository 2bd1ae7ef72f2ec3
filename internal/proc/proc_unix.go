//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// groupExists reports whether any process, a zombie included, is still in
// group pgid.
func groupExists(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
