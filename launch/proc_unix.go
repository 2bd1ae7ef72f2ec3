//go:build unix

package launch

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are the signals ccq passes on to the run's process group.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// ownGroup puts the child in a process group of its own, so that one
// signal reaches Claude Code and every tool it started, and so that a
// terminal's Ctrl-C reaches ccq alone, which forwards it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
}

// signalGroup sends sig to every process of group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 0 {
		return errors.New("no process group")
	}
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil // nobody left
	}
	return err
}

// SignalName names a signal the way the history does: "SIGINT".
func SignalName(sig os.Signal) string {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return sig.String()
	}
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return sig.String()
}

// SignalNumber is the number of sig, for the 128+n exit code.
func SignalNumber(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 0
}

// waitSignal returns the signal that killed the process, if one did.
func waitSignal(ps *os.ProcessState) (os.Signal, bool) {
	if ps == nil {
		return nil, false
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return nil, false
	}
	return ws.Signal(), true
}

var sigTERM os.Signal = syscall.SIGTERM

// ownGroupAttr starts a process in a process group of its own.
func ownGroupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killPid sends sig to process pid.
func killPid(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }
