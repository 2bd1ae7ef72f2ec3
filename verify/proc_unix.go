//go:build unix

package verify

import (
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// ownGroup puts the command in a process group of its own and makes the
// timeout end the whole group: SIGTERM, then SIGKILL after grace, so a
// command's children go with it.
func ownGroup(cmd *exec.Cmd, grace time.Duration) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		err := syscall.Kill(-pgid, syscall.SIGTERM)
		go func() {
			time.Sleep(grace)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}()
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return err
	}
}

// killGroup ends what the command left running in its group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
