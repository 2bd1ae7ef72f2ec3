//go:build unix

package helper

import (
	"os/exec"
	"syscall"
)

// ownGroup puts the helper in a process group of its own, so that a
// terminal's Ctrl-C reaches ccq alone (which still tells the helper how
// the run ended), and so that killGroup ends whatever the helper started.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup ends the helper's process group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
