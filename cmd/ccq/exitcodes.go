package main

import (
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// Exit codes. A launched run passes its child's code through; these are the
// ones ccq itself decides. README's "Exit codes" table mirrors this file.
const (
	exitOK          = 0
	exitFailure     = 1   // a command failed, or `ccq check` found a threshold missed
	exitUsage       = 2   // bad flags, unknown task, bad task file
	exitTempFail    = 75  // skipped, or retries ran out on a transient failure (EX_TEMPFAIL)
	exitTimeout     = 124 // the run hit its timeout (as timeout(1))
	exitCannotStart = 127 // claude could not be started (as the shell)
	exitSignalBase  = 128 // + n: signal n ended the run (as the shell)
)

// launchExit is the one table from how a run ended to the exit code of
// `ccq launch`.
var launchExit = map[launch.Ending]func(*launch.Outcome) int{
	launch.Exited:      exitedCode, // claude's own code, passed through
	launch.TimedOut:    func(*launch.Outcome) int { return exitTimeout },
	launch.StartFailed: func(*launch.Outcome) int { return exitCannotStart },
	launch.Signalled:   func(o *launch.Outcome) int { return exitSignalBase + launch.SignalNumber(o.Signal) },
	launch.Skipped:     func(*launch.Outcome) int { return exitTempFail },
	launch.GaveUp:      func(*launch.Outcome) int { return exitTempFail },
}

// exitedCode passes claude's own code through, except for a run claude
// finished with 0 whose task's checks failed (verify): that is a failure.
func exitedCode(o *launch.Outcome) int {
	if o.Code == exitOK && o.Entry.Extra[recorder.ExtraClientSuccess] == true {
		return exitFailure
	}
	return o.Code
}

// launchExitCode is the exit code of `ccq launch` for a run that ended as o.
func launchExitCode(o *launch.Outcome) int {
	if f, ok := launchExit[o.Ending]; ok {
		return f(o)
	}
	return exitFailure
}
