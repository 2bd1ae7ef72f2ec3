package recorder

import (
	"time"

	"github.com/tidwall/gjson"
)

// Part says which part of a session's transcripts belongs to one run.
type Part struct {
	Offsets Offsets
	// Fork is set for a session forked from another (SessionStart source
	// "fork", `claude --resume ID --fork-session`): its new transcript
	// begins with a copy of the parent's conversation, each line keeping
	// its original timestamp (observed, 2.1.328). A line timestamped
	// before the file's first timestamp (the fork's own prompt enqueued)
	// is such a copy: not this run's, neither its tokens nor its log. The
	// cost-state total is then the parent's plus the fork's, and the
	// parent's share is not in the file, so a fork has no cost.
	Fork bool
}

// timed are the line types whose timestamps matter here: where a run
// starts, and which lines a fork copied.
var timed = map[string]bool{"user": true, "assistant": true, "system": true, "queue-operation": true}

// own reports whether a line at or after the run's offset is the run's:
// in a fork, a line timestamped before the file's first timestamp is a
// copy of the parent's. It also notes the run's first timestamp.
func (sc *transcriptScan) own(line []byte, typ string) bool {
	if !timed[typ] || (!sc.fork && !sc.first.IsZero()) {
		return true
	}
	ts := gjson.GetBytes(line, "timestamp").Str
	if ts == "" {
		return true
	}
	if sc.fileFirst == "" {
		sc.fileFirst = ts
	}
	if sc.fork && ts < sc.fileFirst { // same layout throughout: RFC 3339, UTC, milliseconds
		return false
	}
	if sc.first.IsZero() {
		sc.first, _ = time.Parse(time.RFC3339Nano, ts)
	}
	return true
}

// systemError takes a system/api_error line: the client's own retry of a
// failed request, which names when a rate limit resets when the API said.
func (sc *transcriptScan) systemError(line []byte) {
	f := gjson.GetManyBytes(line, "subtype", "error.rateLimits.resetsAt", "retryInMs", "timestamp")
	if f[0].Str != "api_error" {
		return
	}
	if sec := f[1].Int(); sec > 0 {
		sc.resetAt = time.Unix(sec, 0).UTC()
	} else if ms := f[2].Int(); ms > 0 {
		if ts, err := time.Parse(time.RFC3339Nano, f[3].Str); err == nil {
			sc.resetAt = ts.Add(time.Duration(ms) * time.Millisecond).UTC()
		}
	}
}

// limitReset takes the reset time a usage-limit message names, a clock
// time read as the next one after the message was written.
func (sc *transcriptScan) limitReset(text, ts string) {
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		at = time.Now()
	}
	if t, ok := ParseResetTime(text, at, nil); ok {
		sc.resetAt = t.UTC()
	}
}

// Walked is how far WalkSession got through a run's part of a transcript.
type Walked struct {
	Read, Size int64 // bytes of the run's part read, and in the file
	Stopped    bool  // the visitor stopped the walk
}

// WalkSession hands visit, in order, each line of part p of the main
// transcript at transcriptPath, as ReadSessionFunc does, until visit
// returns false. It reads no subagent transcript: it is for rendering a
// run, once its sums are known.
func WalkSession(transcriptPath string, p Part, visit func(typ string, line []byte) bool) (Walked, error) {
	sc, err := scan(transcriptPath, p.Offsets[transcriptPath], p.Fork, visit, false)
	if err != nil {
		return Walked{}, err
	}
	return Walked{Read: sc.read, Size: sc.size, Stopped: sc.stopped}, nil
}
