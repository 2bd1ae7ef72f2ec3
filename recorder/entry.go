package recorder

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/internal/jsonw"
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
	return e.appendJSON(nil), nil
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

// Total is what ccq counts as a run's tokens: all four kinds added up,
// saturating rather than wrapping around.
func (u Usage) Total() int64 {
	return clamp.Add(clamp.Add(u.Input, u.Output), clamp.Add(u.CacheCreation, u.CacheRead))
}

// Add returns the field-wise sum, saturating.
func (u Usage) Add(v Usage) Usage {
	return Usage{clamp.Add(u.Input, v.Input), clamp.Add(u.Output, v.Output), clamp.Add(u.CacheCreation, v.CacheCreation), clamp.Add(u.CacheRead, v.CacheRead)}
}

// IsZero reports whether every count is zero.
func (u Usage) IsZero() bool { return u == Usage{} }

// Where a run's token count came from.
const (
	TokensTranscript = "transcript" // exact: summed from Claude Code's transcripts
	TokensResult     = "result"     // exact for the main thread: the result object's usage
	TokensEstimate   = "estimate"   // len(output)/4, when no usage was written anywhere
	TokensNone       = "none"       // claude never started: there is nothing to count
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

	// Extra holds further keys written after all of the above, in key
	// order: what the launcher and its sinks add (attempt, retry_of, a
	// ping's rid). A key that names one of the fields above is ignored.
	Extra map[string]any `json:"-"`
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

// Limits on what one history line holds, so that every line ccq writes is
// one its readers accept (they take lines up to 1 MiB; with these caps a
// line stays under 8 KiB). A longer value is cut on a character boundary
// and ends in "…".
const (
	MaxPathLen   = 4096 // log_file
	MaxDetailLen = 1024 // error_detail
	MaxNameLen   = 256  // session_id, model, run_id
)

// Marshal is the entry as one history line, newline included. Strings are
// cut to their limits, counts below zero become zero and a cost that is not
// a finite, non-negative number is left out, so the line is always valid.
func (e *Entry) Marshal() ([]byte, error) {
	c := e.bounded()
	b, err := c.appendJSON(make([]byte, 0, 512))
	if err != nil {
		return nil, err
	}
	return append(appendExtra(b, c.Extra), '\n'), nil
}

// appendExtra adds extra's keys, sorted, before the object's closing brace.
// String values are capped like error_detail; a value JSON cannot encode
// (NaN) is left out: an extra never costs a run its line.
func appendExtra(obj []byte, extra map[string]any) []byte {
	if len(extra) == 0 {
		return obj
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !IsEntryKey(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := obj[:len(obj)-1] // drop '}'
	for _, k := range keys {
		v := extra[k]
		if s, ok := v.(string); ok {
			v = clamp.String(s, MaxDetailLen)
		}
		n := len(out)
		out = append(jsonw.String(append(out, ','), clamp.String(k, MaxNameLen)), ':')
		m := len(out)
		var err error
		if out, err = jsonw.Any(out, v); err != nil || len(out)-m > MaxDetailLen*2 {
			out = out[:n]
		}
	}
	return append(out, '}')
}

// bounded is the entry as a line holds it: strings cut to their limits,
// no negative count, no cost or duration that is not a finite,
// non-negative number.
func (e *Entry) bounded() Entry {
	c := *e
	c.TaskID = CleanID(c.TaskID)
	c.RunID = clamp.String(c.RunID, MaxNameLen)
	c.SessionID = clamp.String(c.SessionID, MaxNameLen)
	c.Model = clamp.String(c.Model, MaxNameLen)
	c.LogFile = clamp.String(c.LogFile, MaxPathLen)
	c.ErrorDetail = clamp.String(c.ErrorDetail, MaxDetailLen)
	c.Tokens = max(c.Tokens, 0)
	if math.IsNaN(c.DurationS) || math.IsInf(c.DurationS, 0) || c.DurationS < 0 {
		c.DurationS = 0
	}
	if c.CostUSD != nil && (math.IsNaN(*c.CostUSD) || math.IsInf(*c.CostUSD, 0) || *c.CostUSD < 0) {
		c.CostUSD = nil
	}
	return c
}

// IsEntryKey reports whether k is the JSON name of one of Entry's own
// fields; any other key of a history line is an extra. The set is made on
// first use: ccq-hook links this package and most of its events never
// write a line.
func IsEntryKey(k string) bool { return entryKeys()[k] }

var entryKeys = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Entry]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
})
