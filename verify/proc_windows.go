//go:build windows

package verify

import (
	"os/exec"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
)

// ownGroup makes the timeout end the command's whole process tree with
// taskkill /T /F: Windows has no process groups and no SIGTERM, so there
// is no grace period.
func ownGroup(cmd *exec.Cmd, grace time.Duration) {
	cmd.Cancel = func() error { return proc.KillTree(cmd.Process.Pid) }
}

// killGroup ends what the command left running in its tree.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = proc.KillTree(cmd.Process.Pid)
	}
}
