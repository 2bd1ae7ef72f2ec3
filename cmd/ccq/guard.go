package main

import (
	"os"
	"os/exec"

	"github.com/ccq-dev/ccq/launch"
)

// guardCommand is the command that runs this very binary as a launch's
// guardian (launch.Guard): `ccq launch --guardian`. It is run from
// /proc/self/exe where there is one, so a binary replaced or removed while
// the launch runs still starts, and with ccq's own argv[0] (which tells a
// testscript binary which command it is).
func guardCommand() *exec.Cmd {
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			return nil
		}
	}
	cmd := exec.Command(exe, "launch", "--"+flagGuardian)
	cmd.Args[0] = os.Args[0]
	return cmd
}

// guardAction is `ccq launch --guardian`: the launcher writes to its stdin.
func guardAction(a *appEnv) error {
	return launch.Guard(a.stdin)
}
