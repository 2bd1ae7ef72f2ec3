package recorder

import (
	"encoding/json"
	"math"
	"time"
)

// ErrorType is the coarse class of a failed run. The zero value means the
// run succeeded and is written as JSON null.
type ErrorType string

// The four error types; see Classify for the rules.
const (
	ErrNone      ErrorType = ""
	ErrTimeout   ErrorType = "timeout"    // the launcher's deadline ended the run
	ErrExit      ErrorType = "exit_error" // Claude Code ended the run unsuccessfully on its own
	ErrException ErrorType = "exception"  // the run was cut short from outside, or could not start
)

// MarshalJSON writes ErrNone as null.
func (e ErrorType) MarshalJSON() ([]byte, error) {
	if e == ErrNone {
		return []byte("null"), nil
	}
	return json.Marshal(string(e))
}

// UnmarshalJSON reads null as ErrNone.
func (e *ErrorType) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*e = ErrNone
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = ErrorType(s)
	return nil
}

// Usage is a token breakdown as the Messages API reports it.
type Usage struct {
	Input         int64 `json:"input"`
	Output        int64 `json:"output"`
	CacheCreation int64 `json:"cache_creation"`
	CacheRead     int64 `json:"cache_read"`
}

// Total is what ccq counts as a run's tokens: all four kinds added up.
func (u Usage) Total() int64 { return u.Input + u.Output + u.CacheCreation + u.CacheRead }

// Add returns the field-wise sum.
func (u Usage) Add(v Usage) Usage {
	return Usage{u.Input + v.Input, u.Output + v.Output, u.CacheCreation + v.CacheCreation, u.CacheRead + v.CacheRead}
}

// IsZero reports whether every count is zero.
func (u Usage) IsZero() bool { return u == Usage{} }

// Where a run's token count came from.
const (
	TokensTranscript = "transcript" // exact: summed from Claude Code's transcripts
	TokensResult     = "result"     // exact for the main thread: the result object's usage
	TokensEstimate   = "estimate"   // len(output)/4, when no usage was written anywhere
)

// Who wrote a history line.
const (
	ByHook     = "hook"     // ccq-hook at SessionEnd, no launcher supervising
	ByLauncher = "launcher" // ccq launch after its child exited
	ByRecovery = "recovery" // a later ccq command closing a run whose recorder died
)

// TimestampLayout is RFC 3339 in UTC with milliseconds.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// Entry is one line of history.jsonl. The first seven fields are the
// history contract and always present, in this order; the rest are extras
// that are left out when unknown.
type Entry struct {
	TaskID    string    `json:"task_id"`
	Success   bool      `json:"success"`
	ErrorType ErrorType `json:"error_type"`
	Tokens    int64     `json:"tokens"`
	DurationS float64   `json:"duration_s"`
	LogFile   string    `json:"log_file"`
	Timestamp string    `json:"timestamp"`

	RunID        string   `json:"run_id,omitempty"`
	SessionID    string   `json:"session_id,omitempty"`
	ExitCode     *int     `json:"exit_code,omitempty"`
	ErrorDetail  string   `json:"error_detail,omitempty"`
	Usage        *Usage   `json:"usage,omitempty"`
	TokensSource string   `json:"tokens_source,omitempty"`
	CostUSD      *float64 `json:"cost_usd,omitempty"`
	Model        string   `json:"model,omitempty"`
	Turns        int      `json:"turns,omitempty"`
	RecordedBy   string   `json:"recorded_by,omitempty"`
}

// SetStart sets Timestamp from the run's start time.
func (e *Entry) SetStart(t time.Time) { e.Timestamp = t.UTC().Format(TimestampLayout) }

// SetDuration sets DurationS rounded to milliseconds; a negative duration
// (a clock step) is recorded as 0.
func (e *Entry) SetDuration(d time.Duration) {
	if d < 0 {
		d = 0
	}
	e.DurationS = math.Round(d.Seconds()*1000) / 1000
}

// Marshal is the entry as one history line, newline included.
func (e *Entry) Marshal() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
