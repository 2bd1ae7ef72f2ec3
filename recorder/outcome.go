package recorder

import (
	"fmt"
	"strconv"
	"time"
)

// Result is what ccq reads from Claude Code's final result object
// (--output-format json, or the last line of stream-json).
type Result struct {
	Subtype        string `json:"subtype"`
	IsError        bool   `json:"is_error"`
	TerminalReason string `json:"terminal_reason,omitempty"`
	APIErrorStatus int    `json:"api_error_status,omitempty"`
	// APIError is the client's own name of the API failure
	// ("connection_failed"); Text is the result's text.
	APIError  string   `json:"api_error,omitempty"`
	Text      string   `json:"-"`
	Usage     *Usage   `json:"usage,omitempty"`
	CostUSD   *float64 `json:"cost_usd,omitempty"`
	NumTurns  int      `json:"num_turns,omitempty"`
	SessionID string   `json:"session_id,omitempty"`
	Model     string   `json:"model,omitempty"`
}

// Evidence is everything known about how a run ended. Neither Claude Code's
// exit code nor any single hook tells the outcome (an API error exits 1 with
// subtype "success"; SIGINT exits 0; max turns fires no Stop), so Classify
// weighs them together.
type Evidence struct {
	Run *Run // what ccq-hook recorded; nil when no hook ran

	// Set by the launcher.
	Launched  bool          // a launcher supervised the run
	StartErr  error         // claude could not be started
	ExitKnown bool          // ExitCode is meaningful
	ExitCode  int           // the child's exit code (-1 if killed by a signal)
	Signal    string        // signal that ended the child, or that ccq forwarded to it ("SIGINT")
	TimedOut  bool          // the launcher's deadline passed
	Timeout   time.Duration // the deadline
	// TimeoutDetail, if set, is the error_detail of a run the launcher
	// stopped (TimedOut) for another reason than its deadline: "idle for
	// 3s (no output)".
	TimeoutDetail string
	Result        *Result     // the result object, if Claude Code printed one
	Transcript    *Transcript // transcripts read by the launcher itself
	OutputBytes   int         // bytes of model output seen, for the token estimate
	// LastOutput is the last meaningful line claude printed that was not
	// stream-json (its stderr, mostly): why a run that left no result
	// object failed ("API Error: 529 overloaded").
	LastOutput string

	// Identity and times the caller knows first-hand (the launcher); when
	// empty they come from the run's state.
	Task, LogFile string
	Start, End    time.Time
	// ReadTranscript, if set, reads the run's transcripts when no hook did
	// (hooks not installed, --bare); r is the run's state, nil if none.
	ReadTranscript func(r *Run) *Transcript

	// Extra holds keys the caller adds to the line after the contract
	// fields (Entry.Extra): the launcher's attempt, retry_of, ping_rid.
	Extra map[string]any

	// Set when a later command closes a run whose recorder died: why. It
	// is ignored for a run whose state shows it ended (SessionEnd).
	Unfinished string

	// VerifyFailed, if set, is the error_detail of the task's own checks
	// that failed after the client succeeded ("verify: expect ...": see
	// package verify). It turns a success into an exit_error and adds
	// ExtraClientSuccess to the line; it is ignored for a failed run.
	VerifyFailed string
}

// ExtraClientSuccess is the extra key of a line whose client succeeded but
// whose task's checks failed: "green but failed verification".
const ExtraClientSuccess = "client_success"

// signalByExit maps the exit codes Claude Code uses after catching a signal
// (it exits 128+n instead of dying) to the signal's name.
var signalByExit = map[int]string{129: "SIGHUP", 130: "SIGINT", 131: "SIGQUIT", 134: "SIGABRT", 137: "SIGKILL", 143: "SIGTERM"}

// apiErrorByStatus names an HTTP status the way Claude Code's StopFailure
// hook does (observed: 500/529 server_error, 401 authentication_failed,
// 429 rate_limit, 400 unknown, 413 invalid_request).
func apiErrorByStatus(status int) string {
	switch {
	case status == 429:
		return "rate_limit"
	case status == 401 || status == 403:
		return "authentication_failed"
	case status == 413:
		return "invalid_request"
	case status == 400:
		return "unknown"
	case status >= 500:
		return "server_error"
	}
	return "api_error"
}

// Classify turns the evidence into success, an error type and a detail. The
// first rule that matches wins:
//
//  1. claude could not start                     exception   start: <error>
//  2. the launcher's deadline passed             timeout     timeout after <d>
//     (or stopped it as idle)                                idle for <d> (no output)
//  3. the recorder died before the run ended     exception   <why>
//  4. a signal ended or interrupted the run      exception   signal: SIGxxx
//  5. an API error (StopFailure, an API-error
//     turn in the transcript, terminal_reason
//     api_error)                                 exit_error  <StopFailure error>, e.g. rate_limit
//  6. max turns reached                          exit_error  max_turns
//     the --max-budget-usd spent                 exit_error  budget
//  7. the session ended with a request or tool
//     call cut off (no launcher to say why)      exception   interrupted
//  8. a non-zero exit code                       exit_error  exit code N, and when
//     there is no result object, ": " and the     (exit code 1: API Error:
//     last line of other output                   529 overloaded)
//  9. the result says is_error                   exit_error  <terminal_reason or subtype>
//  10. no Stop hook fired although hooks ran and
//     no result says otherwise                   exit_error  no_stop
//
// Anything else is a success.
func Classify(ev Evidence) (ErrorType, string) {
	r := ev.Run
	res := ev.Result
	tr := ev.Transcript
	if tr == nil && r != nil {
		tr = r.Transcript
	}
	if ev.StartErr != nil {
		return ErrException, "start: " + ev.StartErr.Error()
	}
	if ev.TimedOut {
		if ev.TimeoutDetail != "" {
			return ErrTimeout, ev.TimeoutDetail
		}
		return ErrTimeout, "timeout after " + ev.Timeout.String()
	}
	if ev.Unfinished != "" {
		return ErrException, ev.Unfinished
	}
	if ev.Signal != "" {
		return ErrException, "signal: " + ev.Signal
	}
	if ev.ExitKnown {
		if s, ok := signalByExit[ev.ExitCode]; ok {
			return ErrException, "signal: " + s
		}
	}
	if res != nil && (res.TerminalReason == "aborted_streaming" || res.TerminalReason == "aborted_tools") {
		return ErrException, "interrupted"
	}
	if d := networkDetail(res, tr); d != "" {
		return ErrExit, d
	}
	switch {
	case r != nil && r.StopFailure != "":
		return ErrExit, r.StopFailure
	case tr != nil && tr.APIError != "":
		if tr.APIErrorStatus != 0 {
			return ErrExit, apiErrorByStatus(tr.APIErrorStatus)
		}
		return ErrExit, tr.APIError
	case res != nil && res.TerminalReason == "api_error":
		return ErrExit, apiErrorByStatus(res.APIErrorStatus)
	}
	if res != nil && (res.Subtype == "error_max_turns" || res.TerminalReason == "max_turns") {
		return ErrExit, "max_turns"
	}
	if res != nil && (res.Subtype == "error_max_budget_usd" || res.TerminalReason == "budget_exhausted") {
		return ErrExit, "budget"
	}
	hookOnly := res == nil && !ev.ExitKnown
	if hookOnly && r != nil && r.Stops == 0 && tr != nil {
		switch tr.End {
		case EndToolDone:
			return ErrExit, "max_turns"
		case EndInFlight, EndToolRunning:
			return ErrException, "interrupted"
		}
	}
	if ev.ExitKnown && ev.ExitCode != 0 {
		d := "exit code " + strconv.Itoa(ev.ExitCode)
		if res == nil && ev.LastOutput != "" {
			d += ": " + ev.LastOutput
		}
		return ErrExit, d
	}
	if res != nil && res.IsError {
		if res.TerminalReason != "" {
			return ErrExit, res.TerminalReason
		}
		return ErrExit, res.Subtype
	}
	if res == nil && r != nil && (r.SessionStarts > 0 || r.Prompts > 0) && r.Stops == 0 {
		return ErrExit, "no_stop"
	}
	return ErrNone, ""
}

// Tokens picks the best token count available: the transcripts (exact, with
// subagents), then the result object's usage (exact for the main thread),
// then the rough len(output)/4 estimate.
func Tokens(ev Evidence) (Usage, string) {
	if ev.StartErr != nil {
		return Usage{}, TokensNone
	}
	tr := ev.Transcript
	if tr == nil && ev.Run != nil {
		tr = ev.Run.Transcript
	}
	if tr != nil && tr.Files > 0 {
		return tr.Usage, TokensTranscript
	}
	if ev.Result != nil && ev.Result.Usage != nil {
		return *ev.Result.Usage, TokensResult
	}
	out := ev.OutputBytes
	if out == 0 && ev.Run != nil {
		out = ev.Run.OutputBytes
	}
	return Usage{Output: int64(out / 4)}, TokensEstimate
}

// Fill completes e from the evidence: outcome, tokens, cost and model. The
// caller sets the identity fields, the times and RecordedBy.
func Fill(e *Entry, ev Evidence) {
	e.ErrorType, e.ErrorDetail = Classify(ev)
	if e.ErrorType == ErrNone && ev.VerifyFailed != "" {
		e.ErrorType, e.ErrorDetail = ErrExit, ev.VerifyFailed
	}
	e.Success = e.ErrorType == ErrNone
	u, src := Tokens(ev)
	e.Tokens = u.Total()
	e.TokensSource = src
	if src != TokensEstimate {
		e.Usage = &u
	}
	tr := ev.Transcript
	if tr == nil && ev.Run != nil {
		tr = ev.Run.Transcript
	}
	if tr != nil {
		if tr.CostUSD != nil {
			c := *tr.CostUSD
			e.CostUSD = &c
		}
		e.Model = tr.Model
	}
	if res := ev.Result; res != nil {
		if res.CostUSD != nil && e.CostUSD == nil {
			c := *res.CostUSD
			e.CostUSD = &c
		}
		if e.Model == "" {
			e.Model = res.Model
		}
		e.Turns = res.NumTurns
		if e.SessionID == "" {
			e.SessionID = res.SessionID
		}
	}
	if ev.Run != nil && e.SessionID == "" {
		e.SessionID = ev.Run.SessionID
	}
	if ev.ExitKnown {
		c := ev.ExitCode
		e.ExitCode = &c
	}
}

// String is a one-line summary for debug logs.
func (ev Evidence) String() string {
	s := fmt.Sprintf("launched=%v exit=%v/%d signal=%q timeout=%v", ev.Launched, ev.ExitKnown, ev.ExitCode, ev.Signal, ev.TimedOut)
	if ev.Run != nil {
		s += fmt.Sprintf(" starts=%d stops=%d stopfailure=%q ended=%v", ev.Run.SessionStarts, ev.Run.Stops, ev.Run.StopFailure, ev.Run.Ended)
	}
	return s
}

// networkDetail is the network class of a run whose API call never got an
// answer, from the result (launcher) or the transcript (hook).
func networkDetail(res *Result, tr *Transcript) string {
	if res != nil {
		if d := NetworkDetail(res.APIError, res.Text); d != "" {
			return d
		}
	}
	if tr != nil {
		return NetworkDetail(tr.APIErrorClass, tr.APIErrorText)
	}
	return ""
}
