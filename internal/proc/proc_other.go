//go:build unix && !linux

package proc

import (
	"syscall"
	"time"
)

// Start cannot read process start times without /proc; callers fall back to
// their own clocks.
func Start(pid int) (ticks int64, start time.Time, ok bool) { return 0, time.Time{}, false }

// Alive reports whether process pid exists. Without /proc a reused pid
// cannot be told apart.
func Alive(pid int, ticks int64) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// GroupMembers answers as far as kill(2) can tell: the group itself while
// any member, zombie or not, remains.
func GroupMembers(pgid int) []int {
	if groupExists(pgid) {
		return []int{pgid}
	}
	return nil
}

// Escaped finds no processes where /proc is not there to read environments.
func Escaped(pgid int, envEntry string, scope Scope) []int { return nil }

// CPUTicks cannot read CPU times without /proc.
func CPUTicks(pid int) (self, children int64, ok bool) { return 0, 0, false }
