package launch

import (
	"os"
	"time"

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
	// Skipped: no run was started: another run of the task held its lock
	// (--overlap skip), or no lock or slot came before --deadline.
	// Outcome.SkipReason says which.
	Skipped
	// GaveUp: the last attempt failed for a transient reason (the API's
	// rate limit, overload, a server error) and the retries allowed, or
	// the time to --deadline, ran out.
	GaveUp
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
	case Skipped:
		return "skipped"
	case GaveUp:
		return "gave up"
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

	// Idle: TimedOut by --idle-timeout. Deadline: TimedOut at --deadline
	// rather than at the attempt's own timeout.
	Idle, Deadline bool
	// Attempt is the number of the attempt the Entry is of (1 for the
	// first); Entries holds the lines of all attempts, in order.
	Attempt int
	Entries []recorder.Entry
	// Waits are the pauses between attempts.
	Waits []time.Duration
	// SkipReason is why a Skipped launch started nothing.
	SkipReason string
	// ClientSaid is claude's own last word on a failed run (Snapshot's
	// ClientError): what a failure's summary leads with.
	ClientSaid string

	next retryDecision
}

// RetryNote says why the last attempt was not retried, when it could have
// been by its kind ("no retries left (2)"); "" otherwise.
func (o *Outcome) RetryNote() string {
	if o.next.class == "" {
		return ""
	}
	return o.next.how
}

// outcome says why the run ended: a failed start, then the deadline, then
// a signal ccq passed on, then one that killed claude, else claude's exit.
func (r runResult) outcome() *Outcome {
	out := &Outcome{Code: r.exitCode, StartErr: r.startErr, Idle: r.idle}
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
