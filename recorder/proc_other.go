//go:build !linux

package recorder

import (
	"syscall"
	"time"
)

// ProcStart cannot read process start times here; callers fall back to
// their own clocks.
func ProcStart(pid int) (ticks int64, start time.Time, ok bool) {
	return 0, time.Time{}, false
}

// Alive reports whether process pid exists. Without /proc a reused pid
// cannot be told apart.
func Alive(pid int, ticks int64) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
