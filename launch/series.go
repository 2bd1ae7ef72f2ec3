package launch

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// The series of attempts a launch makes: the locks it holds around them,
// the retries and the waits between them, and a launch that is skipped.

// series runs attempts until one is not to be retried.
func series(ctx context.Context, o Options, s Settings, dir string, pol policy, locks *heldLocks) (*Outcome, error) {
	var entries []recorder.Entry
	var waits []time.Duration
	var warnings []string
	first := ""
	for n := 1; ; n++ {
		out, err := runOnce(ctx, o, s, dir, attemptOf{n: n, retryOf: first, pol: pol, lock: locks.task})
		if err != nil {
			if n == 1 {
				return nil, err
			}
			// A later attempt could not be set up (a full disk): the
			// series ends with the last attempt that ran.
			last := entries[len(entries)-1]
			return &Outcome{Ending: GaveUp, Entry: last, Entries: entries, Attempt: n - 1, Waits: waits,
				Warnings: append(warnings, fmt.Sprintf("attempt %d not started: %v", n, err))}, nil
		}
		if first == "" {
			first = out.Entry.RunID
		}
		entries = append(entries, out.Entry)
		warnings = append(warnings, out.Warnings...)
		out.Entries, out.Waits, out.Warnings = entries, waits, warnings
		if !out.next.retry {
			if out.next.class == RetryTransient && pol.retries > 0 && slices.Contains(pol.on, RetryTransient) && out.Ending == Exited {
				out.Ending = GaveUp
			}
			return out, nil
		}
		if sig := pause(ctx, out.next.wait); sig != nil {
			out.Ending, out.Signal = Signalled, sig
			return out, nil
		}
		waits = append(waits, out.next.wait)
	}
}

// pause waits d between attempts; an interruption (a signal that would
// have been passed on to a run) ends the series instead, and is returned.
func pause(ctx context.Context, d time.Duration) os.Signal {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return interruption(ctx)
	}
}

// heldLocks are the locks a launch holds while it runs.
type heldLocks struct {
	task, slot *fileLock
}

func (h *heldLocks) release() {
	if h != nil {
		h.task.release()
		h.slot.release()
	}
}

// acquire takes the task's lock (unless --overlap allow) and, with
// MaxConcurrent, a slot. A launch that must not run gets a Skip.
func acquire(ctx context.Context, o Options, s Settings, deadline time.Time) (*heldLocks, *Skip, error) {
	h := &heldLocks{}
	mode := s.Overlap
	if mode == "" {
		mode = OverlapSkip
	}
	if mode != OverlapAllow {
		path := TaskLockPath(o.LogsDir, o.Task.Name)
		take := func() (*fileLock, error) { return tryLock(path) }
		var err error
		if mode == OverlapWait {
			h.task, err = waitLock(ctx, "waiting for the task's lock", take, deadline)
		} else {
			h.task, err = take()
		}
		if err != nil {
			return nil, nil, err
		}
		if h.task == nil {
			hold := readHolder(path)
			reason := "another run of the task is in progress"
			if mode == OverlapWait {
				reason = "another run of the task was still in progress at --deadline"
			}
			return nil, &Skip{Task: o.Task.Name, Reason: reason, HolderPID: hold.PID, HolderRunID: hold.RunID}, nil
		}
	}
	if o.MaxConcurrent > 0 {
		l, err := waitLock(ctx, "waiting for a slot of --max-concurrent", func() (*fileLock, error) { return trySlot(o.LogsDir, o.MaxConcurrent) }, deadline)
		if err != nil || l == nil {
			h.release()
			if err != nil {
				return nil, nil, err
			}
			return nil, &Skip{Task: o.Task.Name, Reason: fmt.Sprintf("no free slot of --max-concurrent %d before --deadline", o.MaxConcurrent)}, nil
		}
		h.slot = l
	}
	return h, nil, nil
}

// skipped records a launch that started nothing and tells the sinks.
func skipped(ctx context.Context, o Options, sk Skip) *Outcome {
	out := &Outcome{Ending: Skipped, SkipReason: sk.Reason}
	if sk.HolderRunID != "" {
		out.SkipReason += " (run " + sk.HolderRunID + ")"
	}
	if err := appendSkip(o.LogsDir, sk); err != nil {
		out.Warnings = append(out.Warnings, "skips file: "+err.Error())
	}
	out.Warnings = append(out.Warnings, warnings(notifySinks(ctx, o.Sinks, func(ctx context.Context, s Sink) error {
		if sk, ok := s.(Skipper); ok {
			return sk.Skipped(ctx, o.Task.Name, out.SkipReason)
		}
		return nil
	}), "skipped")...)
	return out
}
