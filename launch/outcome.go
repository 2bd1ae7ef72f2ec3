package launch

import (
	"os"

	"github.com/ccq-dev/ccq/recorder"
)

// Ending is why a run ended, as the launcher saw it. It is not the outcome
// (the history line's success and error_type are): claude exits 0 after
// SIGINT and 1 after an API error alike. Which exit code ccq makes of it is
// cmd/ccq's business.
type Ending int

const (
	// Exited: claude exited on its own; Outcome.Code is its exit code.
	Exited Ending = iota
	// StartFailed: claude could not be started; Outcome.StartErr says why.
	StartFailed
	// TimedOut: the run's deadline passed and ccq stopped it.
	TimedOut
	// Signalled: a signal ended the run, one ccq received and passed on
	// or one that killed claude; Outcome.Signal is that signal.
	Signalled
)

func (e Ending) String() string {
	switch e {
	case Exited:
		return "exited"
	case StartFailed:
		return "start failed"
	case TimedOut:
		return "timed out"
	case Signalled:
		return "signalled"
	}
	return "unknown"
}

// Outcome is how a launch ended.
type Outcome struct {
	Entry    recorder.Entry // the run's history line
	Ending   Ending
	Code     int       // claude's exit code (-1 when a signal killed it)
	Signal   os.Signal // Signalled: the signal
	StartErr error     // StartFailed: why
	// RecordErr is a failure to write the history line. It does not change
	// the Ending: the run's result stays the run's result.
	RecordErr error
	Warnings  []string
}

// outcome says why the run ended: a failed start, then the deadline, then
// a signal ccq passed on, then one that killed claude, else claude's exit.
func (r runResult) outcome() *Outcome {
	out := &Outcome{Code: r.exitCode, StartErr: r.startErr}
	switch {
	case r.startErr != nil:
		out.Ending = StartFailed
	case r.timedOut:
		out.Ending = TimedOut
	case r.forwarded != nil:
		out.Ending, out.Signal = Signalled, r.forwarded
	case r.killedBy != nil:
		out.Ending, out.Signal = Signalled, r.killedBy
	default:
		out.Ending = Exited
	}
	return out
}
