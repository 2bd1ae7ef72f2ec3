package stats

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/recorder"
)

// Record is what the analysis needs from one history line. Byte slices point
// into the line and are only valid while the line is.
type Record struct {
	Task      []byte // task_id; "unnamed" when missing or empty
	Success   bool
	ErrorType []byte // nil when the run succeeded or the type is unknown
	Tokens    int64  // 0 when missing; never negative
	DurMs     int64  // duration_s in whole milliseconds, rounded; never negative
	HasDur    bool
	TSMs      int64 // timestamp as unix milliseconds
	HasTS     bool
	Detail    []byte  // error_detail
	Cost      float64 // finite and never negative
	HasCost   bool
	// Retries (ccq launch --retries): the line's run_id, the first
	// attempt's run id when the line is a retry, and the attempt number
	// (0 when absent or not a whole number from 1 to maxAttempt). A value
	// of another type is ignored, not malformed: these only group runs.
	RunID   []byte
	RetryOf []byte
	Attempt int64
	// ClientSuccess is the extra client_success (recorder's
	// ExtraClientSuccess) being true: claude succeeded and the task's
	// own checks failed.
	ClientSuccess bool

	day dayCache // survives between lines: most lines share their date
}

var unnamed = []byte("unnamed")

// ParseLine extracts a Record from one history line (without its newline).
// It tries a fast path that relies on the key order ccq writes (fastpath.go)
// and falls back to gjson for anything else, so lines written by other
// tools, with keys reordered, extra whitespace or escapes, still count.
//
// ok is false for a malformed line: not valid JSON, not a history entry (no
// boolean "success"), or a number no run can have — tokens that are not a
// whole number from 0 to 2^63-1, a negative duration_s or cost_usd, or one
// too large for a float64. Missing or null numbers are unknown, not
// malformed; a number field holding another type is malformed.
//
// The strings every output shows (task_id, error_type, error_detail) come
// out as valid UTF-8, each invalid byte replaced by U+FFFD as
// encoding/json reads it, so a stray byte in a hand-edited line can
// neither break an output that needs UTF-8 (Prometheus labels) nor make
// a task count under two names.
func ParseLine(line []byte, r *Record) (ok bool) {
	if !parseFast(line, r) && !parseSlow(line, r) {
		return false
	}
	r.Task, r.ErrorType, r.Detail = validUTF8(r.Task), validUTF8(r.ErrorType), validUTF8(r.Detail)
	return true
}

// validUTF8 returns b, or when it is not valid UTF-8 a copy with each
// invalid byte replaced by U+FFFD.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// parseSlow is the reference: gjson decides validity and every value.
// A key that appears twice counts with its first value, as gjson reads it.
func parseSlow(line []byte, r *Record) bool {
	*r = Record{day: r.day}
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' || !gjson.ValidBytes(line) {
		return false
	}
	res := gjson.GetManyBytes(line, "task_id", "success", "error_type", "tokens", "duration_s", "timestamp", "error_detail", "cost_usd", "run_id", "retry_of", "attempt", recorder.ExtraClientSuccess)
	switch res[1].Type {
	case gjson.True:
		r.Success = true
	case gjson.False:
	default:
		return false
	}
	if res[0].Type == gjson.String && res[0].Str != "" {
		r.Task = []byte(res[0].Str)
	} else {
		r.Task = unnamed
	}
	if res[2].Type == gjson.String {
		r.ErrorType = []byte(res[2].Str)
	}
	if res[5].Type == gjson.String {
		r.TSMs, r.HasTS = r.day.parse([]byte(res[5].Str))
	}
	if res[6].Type == gjson.String {
		r.Detail = []byte(res[6].Str)
	}
	if res[8].Type == gjson.String {
		r.RunID = []byte(res[8].Str)
	}
	if res[9].Type == gjson.String {
		r.RetryOf = []byte(res[9].Str)
	}
	r.ClientSuccess = res[11].Type == gjson.True
	if res[10].Type == gjson.Number {
		if n, ok := wholeTokens(res[10].Raw); ok && n >= 1 && n <= maxAttempt {
			r.Attempt = n
		}
	}
	var ok bool
	if r.Tokens, _, ok = slowTokens(res[3]); !ok {
		return false
	}
	var secs float64
	if secs, r.HasDur, ok = slowAmount(res[4]); !ok {
		return false
	}
	r.DurMs = secondsToMs(secs)
	if r.Cost, r.HasCost, ok = slowAmount(res[7]); !ok {
		return false
	}
	return true
}

// maxAttempt is the largest attempt number read; a larger one is ignored.
// The fast path reads up to nine digits, so it must stay below 10^9.
const maxAttempt = 999_999_999

// slowTokens reads a tokens value: absent or null is 0, a number must be
// whole and in [0, 2^63-1] (1000.0 and 1e3 are 1000), anything else is
// malformed.
func slowTokens(v gjson.Result) (n int64, present, ok bool) {
	switch v.Type {
	case gjson.Null:
		return 0, false, true
	case gjson.Number:
		n, ok = wholeTokens(v.Raw)
		return n, true, ok
	}
	return 0, true, false
}

// wholeTokens reads a JSON number as a token count, if it is one.
func wholeTokens(raw string) (int64, bool) {
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(f >= 0) || f >= 1<<63 || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// slowAmount reads a duration_s or cost_usd value: absent or null is
// unknown, a number must be finite and not negative (-0 is 0), anything
// else is malformed.
func slowAmount(v gjson.Result) (f float64, present, ok bool) {
	switch v.Type {
	case gjson.Null:
		return 0, false, true
	case gjson.Number:
		return v.Num, true, validAmount(v.Num)
	}
	return 0, true, false
}

// validAmount: a duration or cost no run can have is malformed. A JSON
// number too large for a float64 reads as +Inf.
func validAmount(f float64) bool { return f >= 0 && !math.IsInf(f, 1) }

func secondsToMs(f float64) int64 {
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f > math.MaxInt64/2000 {
		return math.MaxInt64 / 2
	}
	return int64(math.Round(f * 1000))
}
