package recorder

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// ProcStart returns an identity for process pid (its start time in clock
// ticks since boot, which survives pid reuse checks) and its start as wall
// time. ok is false when the process does not exist or /proc cannot tell.
func ProcStart(pid int) (ticks int64, start time.Time, ok bool) {
	if pid <= 0 {
		return 0, time.Time{}, false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, time.Time{}, false
	}
	ticks, ok = statStartTicks(stat)
	if !ok {
		return 0, time.Time{}, false
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return ticks, time.Time{}, true
	}
	now := time.Now()
	f := bytes.Fields(up)
	if len(f) == 0 {
		return ticks, time.Time{}, true
	}
	uptime, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil {
		return ticks, time.Time{}, true
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	age := time.Duration((uptime - float64(ticks)/100) * float64(time.Second))
	if age < 0 {
		age = 0
	}
	return ticks, now.Add(-age), true
}

// statStartTicks parses field 22 (starttime) of /proc/<pid>/stat. The
// command name in field 2 may hold spaces and parentheses, so fields are
// counted from the last ')'.
func statStartTicks(stat []byte) (int64, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(stat[i+1:])
	// f[0] is field 3 (state), so starttime (field 22) is f[19].
	if len(f) < 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(f[19]), 10, 64)
	return n, err == nil
}

// Alive reports whether process pid still runs and, when ticks is not zero,
// is the same process that had that start time (pids are reused).
func Alive(pid int, ticks int64) bool {
	t, _, ok := ProcStart(pid)
	if !ok {
		return false
	}
	if ticks != 0 && t != ticks {
		return false
	}
	// A zombie has exited; its parent just has not reaped it yet.
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err == nil {
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return false
		}
	}
	return true
}
