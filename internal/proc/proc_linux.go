package proc

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// Start returns an identity for process pid (its start time in clock ticks
// since boot, which tells a reused pid apart) and its start as wall time.
// ok is false when the process does not exist or /proc cannot tell.
func Start(pid int) (ticks int64, start time.Time, ok bool) {
	if pid <= 0 {
		return 0, time.Time{}, false
	}
	st, ok := readStat(strconv.Itoa(pid))
	if !ok {
		return 0, time.Time{}, false
	}
	ticks, ok = st.startTicks()
	if !ok {
		return 0, time.Time{}, false
	}
	return ticks, wallStart(ticks), true
}

// wallStart turns a start time in ticks since boot into wall time; zero
// when /proc/uptime cannot be read.
func wallStart(ticks int64) time.Time {
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return time.Time{}
	}
	now := time.Now()
	f := bytes.Fields(up)
	if len(f) == 0 {
		return time.Time{}
	}
	uptime, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil {
		return time.Time{}
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	age := time.Duration((uptime - float64(ticks)/100) * float64(time.Second))
	if age < 0 {
		age = 0
	}
	return now.Add(-age)
}

// Alive reports whether process pid still runs and, when ticks is not zero,
// is the same process that had that start time. A zombie has exited (its
// parent just has not reaped it yet) and is not alive.
func Alive(pid int, ticks int64) bool {
	if pid <= 0 {
		return false
	}
	st, ok := readStat(strconv.Itoa(pid))
	if !ok || st.zombie() {
		return false
	}
	t, ok := st.startTicks()
	return ok && (ticks == 0 || t == ticks)
}

// GroupMembers lists the live processes of group pgid (zombies left out).
// It reads /proc, so it also finds grandchildren the group's leader left
// behind.
func GroupMembers(pgid int) []int {
	if pgid <= 0 || !groupExists(pgid) {
		return nil
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{pgid} // cannot tell: assume the worst
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, ok := liveGroup(e.Name()); ok && g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Escaped lists the live processes outside group pgid whose environment
// holds the entry envEntry ("CCQ_RUN_ID=…"): tools Claude Code started in a
// process group or session of their own (its Bash tool does so), which a
// signal to the run's group does not reach. Processes of other users cannot
// be read and are not listed. pgid 0 means no group is excluded.
func Escaped(pgid int, envEntry string, scope Scope) []int {
	if envEntry == "" {
		return nil
	}
	want := []byte(envEntry + "\x00")
	self := os.Getpid()
	// Readdirnames, not ReadDir: no entry objects and no sort, for a
	// scan that ends every run.
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil
	}
	minPID := 0
	if scope == ScanNewer && pgid > 0 && !wrappedSince(pgid) {
		minPID = pgid + 1
	}
	var pids []int
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self || pid < minPID {
			continue
		}
		env, err := os.ReadFile("/proc/" + name + "/environ")
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		g, ok := liveGroup(name)
		if !ok || (pgid > 0 && g == pgid) {
			continue // gone, or reached through the group
		}
		pids = append(pids, pid)
	}
	return pids
}

// wrappedSince reports whether the kernel's pids may have wrapped around
// since pid was handed out (or whether that cannot be told).
func wrappedSince(pid int) bool {
	b, err := os.ReadFile("/proc/sys/kernel/ns_last_pid")
	if err != nil {
		return true
	}
	last, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	return err != nil || last < pid
}

// liveGroup reads the process group of process pid (a /proc entry name);
// ok is false for a process that is gone or a zombie.
func liveGroup(pid string) (pgid int, ok bool) {
	st, ok := readStat(pid)
	if !ok || st.zombie() {
		return 0, false
	}
	return st.group()
}

// stat is /proc/<pid>/stat split after the command name, which may hold
// spaces and parentheses: fields are counted from the last ')'. f[0] is
// field 3 (state).
type stat [][]byte

func readStat(pid string) (stat, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil, false
	}
	return parseStat(b)
}

func parseStat(b []byte) (stat, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, false
	}
	f := bytes.Fields(b[i+1:])
	return f, len(f) >= 20
}

func (s stat) zombie() bool { return string(s[0]) == "Z" }

// group is field 5 (pgrp).
func (s stat) group() (int, bool) {
	g, err := strconv.Atoi(string(s[2]))
	return g, err == nil
}

// startTicks is field 22 (starttime).
func (s stat) startTicks() (int64, bool) {
	n, err := strconv.ParseInt(string(s[19]), 10, 64)
	return n, err == nil
}

// CPUTicks returns the CPU time of process pid in clock ticks: its own
// (utime+stime, fields 14 and 15) and that of its children it has waited
// for (cutime+cstime, fields 16 and 17). ok is false for a process that is
// gone.
func CPUTicks(pid int) (self, children int64, ok bool) {
	st, ok := readStat(strconv.Itoa(pid))
	if !ok {
		return 0, 0, false
	}
	var n [4]int64
	for i := range n {
		v, err := strconv.ParseInt(string(st[11+i]), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		n[i] = v
	}
	return n[0] + n[1], n[2] + n[3], true
}
