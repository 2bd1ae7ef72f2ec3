package recorder

import (
	"errors"
	"fmt"
	"time"
)

// ErrAlreadyRecorded is returned by Record when the run's line was written
// by another process: ccq-hook registered twice (plugin and settings) fires
// two SessionEnd hooks side by side, and the second finds the run closed.
var ErrAlreadyRecorded = errors.New("already recorded")

// Recorded is the line Record wrote.
type Recorded struct {
	Entry Entry
	// StateErr is set when the run's state could not be claimed and the
	// line was written from the caller's evidence alone (only a launcher,
	// which knows the run first-hand, does that).
	StateErr error
}

// Record is the one way a run's single history line is written, whoever
// writes it: the launcher when its child is gone, ccq-hook at SessionEnd of a
// run no launcher supervises, or a later command recovering a run whose
// recorder died. It claims the run's state (so exactly one process writes
// the line), merges what the state says with the caller's evidence, builds
// and classifies the entry, appends it and removes the state. If the line
// cannot be written the claim is released, so a later command can retry.
func Record(dir, runID string, ev Evidence, by string) (Recorded, error) {
	c, err := Claim(dir, runID)
	if err != nil {
		if by != ByLauncher {
			return Recorded{}, fmt.Errorf("claim run %s: %w", runID, err)
		}
		// The launcher saw the run itself: its line is worth writing even
		// with the state gone (deleted by hand, a full disk at launch).
		if ev.Transcript == nil {
			ev.Transcript = ev.transcript(nil)
		}
		e := buildEntry(runID, ev, by)
		if err := Append(dir, &e); err != nil {
			return Recorded{Entry: e}, err
		}
		return Recorded{Entry: e, StateErr: err}, nil
	}
	return c.record(dir, ev, by)
}

// record writes the line of a claimed run.
func (c *Claimed) record(dir string, ev Evidence, by string) (Recorded, error) {
	r := c.Run
	if r.stray() && ClosedElsewhere(dir, r.ID, c) {
		_ = c.Done()
		return Recorded{}, fmt.Errorf("run %s: %w", r.ID, ErrAlreadyRecorded)
	}
	ev.Run = r
	if r.Ended && !r.Orphaned {
		ev.Unfinished = "" // the run ended on its own; how is in the evidence
	}
	if ev.Transcript == nil && r.Transcript == nil {
		ev.Transcript = ev.transcript(r)
	}
	e := buildEntry(r.ID, ev, by)
	if err := Append(dir, &e); err != nil {
		_ = c.Release()
		return Recorded{Entry: e}, err
	}
	return Recorded{Entry: e}, c.Done()
}

// stray reports whether the state holds nothing but a late SessionEnd: the
// trace a second, duplicate hook leaves of a run the first one closed.
func (r *Run) stray() bool {
	return r.SessionStarts == 0 && r.Prompts == 0 && r.Stops == 0 && !r.Launched
}

// transcript reads the run's transcripts when no hook summed them up:
// through the caller's reader if it has one (the launcher knows where
// Claude Code keeps them), else from the path a hook noted.
func (ev Evidence) transcript(r *Run) *Transcript {
	if ev.ReadTranscript != nil {
		return ev.ReadTranscript(r)
	}
	if r == nil || r.TranscriptPath == "" {
		return nil
	}
	t, err := ReadSessionPart(r.TranscriptPath, r.Part(), nil)
	if err != nil {
		return nil
	}
	return &t
}

// buildEntry makes the entry: identity and times from the caller's
// evidence where it has them (the launcher's), else from the state, then
// outcome and tokens from all the evidence.
func buildEntry(runID string, ev Evidence, by string) Entry {
	e := Entry{TaskID: ev.Task, LogFile: ev.LogFile, RunID: runID, RecordedBy: by}
	start, end := ev.Start, ev.End
	if r := ev.Run; r != nil {
		e.SessionID = r.SessionID
		if e.TaskID == "" {
			e.TaskID = r.Task
		}
		if e.LogFile == "" {
			e.LogFile = r.LogFile
		}
		if e.LogFile == "" {
			e.LogFile = r.TranscriptPath
		}
		if start.IsZero() {
			start = r.start(ev.transcriptOf())
		}
		if end.IsZero() {
			end = r.end()
		}
	}
	if end.IsZero() {
		end = time.Now()
	}
	if start.IsZero() {
		start = end
	}
	e.TaskID = CleanID(e.TaskID)
	e.SetStart(start)
	e.SetDuration(end.Sub(start))
	Fill(&e, ev)
	if len(ev.Extra) > 0 {
		e.Extra = make(map[string]any, len(ev.Extra)+1)
		for k, v := range ev.Extra {
			e.Extra[k] = v
		}
	}
	addExtra(&e, ev)
	if e.ErrorType == ErrExit && ev.VerifyFailed != "" && e.ErrorDetail == ev.VerifyFailed {
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		e.Extra[ExtraClientSuccess] = true
	}
	return e
}

// Extra keys the recorder adds to a line from what the run's hooks and
// transcript said.
const (
	// ExtraPromptID is the last prompt_id of the run's hook payloads: it
	// joins the line to Claude Code's own OTel events of that prompt.
	ExtraPromptID = "prompt_id"
	// ExtraRateLimitReset is when a run stopped by a rate or usage limit
	// can try again, as the client said (RFC 3339, UTC).
	ExtraRateLimitReset = "rate_limit_reset"
)

// addExtra adds the prompt id and a rate limit's reset time to the line.
func addExtra(e *Entry, ev Evidence) {
	set := func(k string, v any) {
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		if _, ok := e.Extra[k]; !ok {
			e.Extra[k] = v
		}
	}
	if ev.Run != nil && ev.Run.PromptID != "" {
		set(ExtraPromptID, ev.Run.PromptID)
	}
	if tr := ev.transcriptOf(); tr != nil && !tr.ResetAt.IsZero() && e.ErrorDetail == "rate_limit" {
		set(ExtraRateLimitReset, tr.ResetAt.UTC().Format(time.RFC3339))
	}
}

// transcriptOf is the run's transcript sums: the caller's, else its hooks'.
func (ev Evidence) transcriptOf() *Transcript {
	if ev.Transcript != nil {
		return ev.Transcript
	}
	if ev.Run != nil {
		return ev.Run.Transcript
	}
	return nil
}

// start is when the run started as far as its state tells. A run whose
// SessionStart never fired (`claude -p --bare` runs none) was first seen at
// a later hook; its transcript's first line, written when the prompt was
// queued, is then earlier, and is taken when it is. A SessionStart (with
// the claude process's own start) is always before the transcript exists.
func (r *Run) start(tr *Transcript) time.Time {
	if r.SessionStarts == 0 && !r.Launched && tr != nil && !tr.First.IsZero() && (r.Start.IsZero() || tr.First.Before(r.Start)) {
		return tr.First
	}
	return r.Start
}

// end is when the run ended as far as its state tells: SessionEnd, else the
// last sign of life.
func (r *Run) end() time.Time {
	if !r.EndTime.IsZero() {
		return r.EndTime
	}
	return r.LastSeen
}
