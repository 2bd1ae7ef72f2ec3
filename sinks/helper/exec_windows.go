//go:build windows

package helper

import (
	"os/exec"

	"github.com/ccq-dev/ccq/internal/proc"
)

// ownGroup has no process group to make on Windows; killGroup ends the
// helper's process tree instead.
func ownGroup(cmd *exec.Cmd) {}

// killGroup ends the helper and what it started (taskkill /T /F).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = proc.KillTree(cmd.Process.Pid)
	}
}
