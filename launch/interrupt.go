package launch

import (
	"context"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"
)

// DefaultGrace is how long the run's processes get between SIGTERM and
// SIGKILL: enough for Claude Code's SessionEnd hooks (1.5 s budget by
// default) and its own shutdown.
const DefaultGrace = 10 * time.Second

// Signals are the signals a launch is interrupted by: the caller's
// signal.NotifyContext listens for them, and a run passes the one that
// cancelled its context on to claude's process group.
func Signals() []os.Signal { return slices.Clone(forwardedSignals) }

// InterruptError is a launch interrupted before any attempt ran (while it
// waited for a lock): nothing was started or recorded.
type InterruptError struct {
	Signal os.Signal
	While  string // what the launch was doing
}

func (e *InterruptError) Error() string {
	return fmt.Sprintf("interrupted by %s while %s", SignalName(e.Signal), e.While)
}

// interruption is the signal that cancelled ctx, or nil while ctx is live.
// signal.NotifyContext cancels with a cause that names the signal (as
// os.Signal.String does); a context cancelled any other way is taken as
// SIGTERM, the signal a service manager stops a launch with.
func interruption(ctx context.Context) os.Signal {
	if ctx.Err() == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil {
		for _, sig := range forwardedSignals {
			if cause.Error() == sig.String()+" signal received" {
				return sig
			}
		}
	}
	return syscall.SIGTERM
}
