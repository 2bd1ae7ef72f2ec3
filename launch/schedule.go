package launch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/recorder"
)

// What a scheduler would otherwise do: retries with backoff, an overall
// deadline, an overlap policy. Each attempt is a run of its own (runOnce);
// the loop around it is Run's.

// Defaults of the scheduling settings.
const (
	DefaultRetryDelay    = 30 * time.Second
	DefaultRetryMaxDelay = 30 * time.Minute
	MaxRetries           = 100
)

// Retry classes: which failed attempts --retry-on lets ccq try again.
const (
	// RetryTransient: the API said no for now: rate limit, overloaded,
	// a server error (429, 500, 502, 503, 504, 529), an API timeout or a
	// dropped connection.
	RetryTransient = "transient"
	// RetryTimeout: the attempt hit --timeout.
	RetryTimeout = "timeout"
	// RetryIdle: the attempt was stopped by --idle-timeout.
	RetryIdle = "idle"
	// RetryVerify: claude succeeded but the task's checks failed. Never
	// retried unless named: the next attempt is likely to fail the same.
	RetryVerify = "verify"
)

// RetryClasses are the classes --retry-on takes.
var RetryClasses = []string{RetryTransient, RetryTimeout, RetryIdle, RetryVerify}

// Overlap modes: what a launch does while another run of its task goes on.
const (
	OverlapSkip  = "skip"  // start nothing, exit 75
	OverlapWait  = "wait"  // wait for the other run (bounded by --deadline)
	OverlapAllow = "allow" // run side by side
)

// ParseRetryOn checks and normalises a list of retry classes; items may
// hold commas.
func ParseRetryOn(items []string) ([]string, error) {
	var out []string
	for _, it := range items {
		for _, c := range strings.Split(it, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c == "" {
				continue
			}
			if !slices.Contains(RetryClasses, c) {
				return nil, fmt.Errorf("retry class %q is not one of %s", c, strings.Join(RetryClasses, ", "))
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 && len(items) > 0 {
		return nil, fmt.Errorf("name at least one of %s", strings.Join(RetryClasses, ", "))
	}
	return out, nil
}

// CheckRetries says what is wrong with a number of retries.
func CheckRetries(n int) error {
	if n < 0 || n > MaxRetries {
		return fmt.Errorf("%d retries: want 0 to %d", n, MaxRetries)
	}
	return nil
}

// CheckOverlap says what is wrong with an overlap mode.
func CheckOverlap(mode string) error {
	switch mode {
	case OverlapSkip, OverlapWait, OverlapAllow:
		return nil
	}
	return fmt.Errorf("overlap %q: want skip, wait or allow", mode)
}

// policy is the retry policy of one launch.
type policy struct {
	retries        int
	on             []string
	delay, maxWait time.Duration
	deadline       time.Time // zero: none
}

func newPolicy(s Settings, start time.Time) policy {
	p := policy{on: s.RetryOn, delay: s.RetryDelay, maxWait: s.RetryMaxDelay}
	if s.Retries != nil {
		p.retries = *s.Retries
	}
	if len(p.on) == 0 {
		p.on = []string{RetryTransient}
	}
	if p.delay <= 0 {
		p.delay = DefaultRetryDelay
	}
	if p.maxWait <= 0 {
		p.maxWait = DefaultRetryMaxDelay
	}
	if s.Deadline > 0 {
		p.deadline = start.Add(s.Deadline)
	}
	return p
}

// backoff is the n-th wait (n from 1) of exponential backoff with full
// jitter: a uniform draw from [0, min(max, delay·2^(n-1))].
func backoff(n int, delay, max time.Duration, draw func(int64) int64) time.Duration {
	ceil := delay
	for i := 1; i < n && ceil < max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, max)
	if ceil <= 0 {
		return 0
	}
	return time.Duration(draw(int64(ceil) + 1))
}

// retryCause says why a failed attempt may be retried, as a class and a
// reason for people; class "" means never retry.
func retryCause(out *Outcome, snap Snapshot) (class, reason string) {
	e := out.Entry
	switch {
	case e.Success:
		return "", ""
	case e.Extra[recorder.ExtraClientSuccess] == true:
		// The task's checks failed: not the API's fault, retried only
		// when the task says so (retry_on: verify).
		return RetryVerify, e.ErrorDetail
	case out.Ending == TimedOut && out.Idle:
		return RetryIdle, e.ErrorDetail
	case out.Ending == TimedOut && out.Deadline:
		return "", "" // the series is out of time
	case out.Ending == TimedOut:
		return RetryTimeout, e.ErrorDetail
	case out.Ending != Exited:
		return "", "" // a signal, a failed start
	}
	if r := transientReason(e, snap); r != "" {
		return RetryTransient, r
	}
	return "", ""
}

// transientStatus: the HTTP statuses of an API that says "not now".
func transientStatus(code int) bool {
	switch code {
	case 408, 429, 500, 502, 503, 504, 529:
		return true
	}
	return false
}

// transientText are what Claude Code prints for an API timeout or a
// dropped connection, and for overload without a status.
var transientText = []string{"connection error", "request timed out", "econnreset", "socket hang up", "etimedout", "econnrefused", "fetch failed", "overloaded", "usage limit reached", "limit reached"}

// transientReason says why the run's failure is the API's, for now, and
// not the task's: "" when it is not. A task's own failure (an exit code
// of its work, max turns, a permission denied, the budget) never is.
//
// Only what the client reports counts: the API's status, the error fields
// of its stream and transcript (error_detail holds them), its own retries,
// and the text of its API-error messages. What the model wrote — a result
// that did not end on an API error — never does: an answer that mentions
// a refused connection is the task's answer, and retrying it costs money.
func transientReason(e recorder.Entry, snap Snapshot) string {
	if e.ErrorType != recorder.ErrExit {
		return ""
	}
	switch e.ErrorDetail {
	case "max_turns", "budget", "authentication_failed", "invalid_request", "billing_error":
		return ""
	}
	res := snap.Result
	if res != nil && transientStatus(res.APIErrorStatus) {
		return fmt.Sprintf("API error %d", res.APIErrorStatus)
	}
	switch e.ErrorDetail {
	case "rate_limit", "server_error", "overloaded":
		return e.ErrorDetail
	}
	if recorder.IsNetworkDetail(e.ErrorDetail) { // the endpoint may be back next time
		return e.ErrorDetail
	}
	// A result that is not the client's API error, with no API-error
	// message before it, says the run got past the API: a retry the
	// client made on the way, or words in the text, are not why it failed.
	apiEnd := res != nil && (res.TerminalReason == "api_error" || res.APIErrorStatus != 0)
	if res != nil && !apiEnd && snap.APIErrorText == "" {
		return ""
	}
	if snap.RetryStatus != 0 && transientStatus(snap.RetryStatus) {
		return fmt.Sprintf("API error %d", snap.RetryStatus)
	}
	// The client's own words: its API-error message, the result of a run
	// that ended on one, or (no result at all) the last line it printed
	// besides the stream.
	texts := []string{snap.APIErrorText}
	switch {
	case apiEnd:
		texts = append(texts, snap.ResultText)
	case res == nil:
		texts = append(texts, snap.LastOutput)
	}
	for _, text := range texts {
		l := strings.ToLower(text)
		for _, t := range transientText {
			if strings.Contains(l, t) {
				return clamp.String(strings.TrimSpace(text), 120)
			}
		}
	}
	return ""
}

// resetHint is when the client says its limit resets, if it says.
type resetHint struct {
	at     time.Time
	source string
}

// resetTime gathers what the attempt said about when to try again: the
// transcript's resetsAt, a usage-limit message, the delay of the client's
// own last retry. end is when the attempt ended.
func resetTime(snap Snapshot, transcript string, end time.Time) (resetHint, bool) {
	if transcript != "" {
		if at, ok := transcriptReset(transcript); ok {
			return resetHint{at, "the transcript's rateLimits.resetsAt"}, true
		}
	}
	for _, text := range []string{snap.APIErrorText, snap.ResultText, snap.LastOutput} {
		if at, ok := ParseResetTime(text, end, nil); ok {
			return resetHint{at, "the usage-limit message"}, true
		}
	}
	if snap.RetryDelay > 0 && !snap.RetryAt.IsZero() {
		return resetHint{snap.RetryAt.Add(snap.RetryDelay), "the client's retry_delay_ms"}, true
	}
	return resetHint{}, false
}

// maxTranscriptScan bounds the read of a transcript for api_error lines.
const maxTranscriptScan = 64 << 20

// transcriptReset reads the last system/api_error line of a transcript
// that names when the limit resets: error.rateLimits.resetsAt (epoch
// seconds), else retryInMs from the line's timestamp.
func transcriptReset(path string) (time.Time, bool) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	var at time.Time
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxStreamLine)
	read := 0
	for sc.Scan() && read < maxTranscriptScan {
		line := sc.Bytes()
		read += len(line)
		if !bytes.Contains(line, []byte(`"api_error"`)) {
			continue
		}
		f := gjson.GetManyBytes(line, "subtype", "error.rateLimits.resetsAt", "retryInMs", "timestamp")
		if f[0].Str != "api_error" {
			continue
		}
		if sec := f[1].Int(); sec > 0 {
			at = time.Unix(sec, 0)
		} else if ms := f[2].Int(); ms > 0 {
			if ts, err := time.Parse(time.RFC3339Nano, f[3].Str); err == nil {
				at = ts.Add(time.Duration(ms) * time.Millisecond)
			}
		}
	}
	return at, !at.IsZero()
}

// nextWait decides whether attempt n (just failed, for class) is retried
// and after how long. reason says why not, or how the wait was chosen.
func (p policy) nextWait(n int, class string, hint resetHint, haveHint bool, now time.Time, draw func(int64) int64) (time.Duration, bool, string) {
	if class == "" {
		return 0, false, ""
	}
	if !slices.Contains(p.on, class) {
		return 0, false, "--retry-on does not name " + class
	}
	if n > p.retries {
		return 0, false, fmt.Sprintf("no retries left (%d)", p.retries)
	}
	wait := backoff(n, p.delay, p.maxWait, draw)
	how := fmt.Sprintf("backoff %v", wait.Round(time.Millisecond))
	if haveHint {
		if d := hint.at.Sub(now); d > 0 {
			wait = min(d+time.Second, p.maxWait) // a second past the reset, for clock skew
			how = fmt.Sprintf("until %s (%s)", hint.at.UTC().Format(time.RFC3339), hint.source)
		}
	}
	if !p.deadline.IsZero() && !now.Add(wait).Before(p.deadline) {
		return 0, false, "the wait would pass --deadline"
	}
	return wait, true, how
}

var errDeadline = errors.New("deadline passed")

// jitter is the random draw of backoff.
func jitter(n int64) int64 { return rand.Int64N(n) }
