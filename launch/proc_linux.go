package launch

import (
	"bytes"
	"os"
	"strconv"

	"github.com/ccq-dev/ccq/recorder"
)

// GroupMembers lists the live processes of group pgid (zombies left out:
// they have exited and only wait for their parent). It reads /proc, so it
// also finds grandchildren that the group's leader has left behind.
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
// holds CCQ_RUN_ID=runID: tools Claude Code started in a process group or
// session of their own (its Bash tool does so), which a signal to the
// run's group does not reach. Processes of other users cannot be read and
// are not listed.
//
// With recent true (the run started moments ago), only processes with a
// pid above pgid (the run's first process) are read, as long as the
// kernel's last pid shows that pids have not wrapped around since: pids are
// handed out in increasing order until they wrap. That keeps the common
// case to a handful of reads instead of one per process on the system.
func Escaped(pgid int, runID string, recent bool) []int {
	if runID == "" {
		return nil
	}
	want := []byte(recorder.EnvRunID + "=" + runID + "\x00")
	self := os.Getpid()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	minPID := 0
	if recent {
		if b, err := os.ReadFile("/proc/sys/kernel/ns_last_pid"); err == nil {
			if last, err := strconv.Atoi(string(bytes.TrimSpace(b))); err == nil && last >= pgid {
				minPID = pgid + 1
			}
		}
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || pid < minPID {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		g, ok := liveGroup(e.Name())
		if !ok || g == pgid {
			continue // gone, or reached through the group
		}
		pids = append(pids, pid)
	}
	return pids
}

// liveGroup reads the process group of process pid (a /proc entry name);
// ok is false for a process that is gone or a zombie (it has exited and
// only waits for its parent).
func liveGroup(pid string) (pgid int, ok bool) {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(stat[i+1:])
	// f[0] is the state (field 3), f[2] the process group (field 5).
	if len(f) < 3 || string(f[0]) == "Z" {
		return 0, false
	}
	g, err := strconv.Atoi(string(f[2]))
	return g, err == nil
}
