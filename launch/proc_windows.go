//go:build windows

package launch

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"github.com/ccq-dev/ccq/internal/proc"
)

// Windows has no process groups to signal and no SIGTERM a console program
// can be sent: every signal ccq would send a run's group ends the process
// tree at once (taskkill /T /F), so Claude Code gets no grace to run its
// SessionEnd hooks there; the launcher's own record still closes the run.

// forwardedSignals are the signals ccq passes on to the run.
var forwardedSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// ownGroupAttr starts a process in a console process group of its own, so
// a Ctrl-C in the terminal reaches ccq alone.
func ownGroupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// ownGroup starts the child in a process group of its own.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = ownGroupAttr() }

// signalGroup ends the process tree rooted at pgid, whatever sig is.
func signalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 0 {
		return errors.New("no process group")
	}
	return proc.KillTree(pgid)
}

// killPid ends process pid, whatever sig is.
func killPid(pid int, sig syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// SignalName names a signal the way the history does: "SIGINT".
func SignalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case os.Kill:
		return "SIGKILL"
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

// waitSignal finds no signal: a Windows process ends with an exit code.
func waitSignal(ps *os.ProcessState) (os.Signal, bool) { return nil, false }

var sigTERM os.Signal = syscall.SIGTERM
