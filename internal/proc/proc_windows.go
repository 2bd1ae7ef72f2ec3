//go:build windows

package proc

import (
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/sys/windows"
)

// Start cannot read process start times here without more Win32 calls;
// callers fall back to their own clocks.
func Start(pid int) (ticks int64, start time.Time, ok bool) { return 0, time.Time{}, false }

// Alive reports whether process pid exists and has not exited, through
// OpenProcess and GetExitCodeProcess. A reused pid cannot be told apart.
func Alive(pid int, ticks int64) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		// Access denied means the process exists but belongs to someone else.
		return err == windows.ERROR_ACCESS_DENIED
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	const stillActive = 259 // STILL_ACTIVE
	return code == stillActive
}

// GroupMembers answers for the group leader alone: Windows has no process
// groups in the POSIX sense.
func GroupMembers(pgid int) []int {
	if Alive(pgid, 0) {
		return []int{pgid}
	}
	return nil
}

// Escaped finds no processes where /proc is not there to read environments.
func Escaped(pgid int, envEntry string, scope Scope) []int { return nil }

// CPUTicks does not read CPU times on Windows.
func CPUTicks(pid int) (self, children int64, ok bool) { return 0, 0, false }

// KillTree ends process pid and every process it started with
// `taskkill /T /F`: Windows has no process groups to signal.
func KillTree(pid int) error {
	if pid <= 0 {
		return nil
	}
	return exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(pid)).Run()
}
