package launch

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// TestBackoff: full jitter, each wait within [0, min(max, delay·2^(n-1))].
func TestBackoff(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 12; n++ {
		ceil := min(100*time.Millisecond<<(n-1), 2*time.Second)
		for range 200 {
			d := backoff(n, 100*time.Millisecond, 2*time.Second, r.Int64N)
			if d < 0 || d > ceil {
				t.Fatalf("wait %d = %v, want within [0, %v]", n, d, ceil)
			}
		}
		if d := backoff(n, 100*time.Millisecond, 2*time.Second, func(m int64) int64 { return m - 1 }); d != ceil {
			t.Errorf("largest wait %d = %v, want %v", n, d, ceil)
		}
	}
	if d := backoff(100, time.Second, 30*time.Minute, func(m int64) int64 { return m - 1 }); d != 30*time.Minute {
		t.Errorf("wait 100 = %v: the doubling must stop at the cap", d)
	}
}

func TestNextWait(t *testing.T) {
	now := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	top := func(m int64) int64 { return m - 1 }
	p := policy{retries: 2, on: []string{RetryTransient}, delay: time.Second, maxWait: time.Minute}
	if w, ok, _ := p.nextWait(1, RetryTransient, resetHint{}, false, now, top); !ok || w != time.Second {
		t.Errorf("first wait %v %v", w, ok)
	}
	if _, ok, why := p.nextWait(3, RetryTransient, resetHint{}, false, now, top); ok || why != "no retries left (2)" {
		t.Errorf("third retry allowed: %v %q", ok, why)
	}
	if _, ok, _ := p.nextWait(1, RetryTimeout, resetHint{}, false, now, top); ok {
		t.Error("a timeout retried without --retry-on timeout")
	}
	// A reset time the client reported wins, a second past it, within the cap.
	w, ok, how := p.nextWait(1, RetryTransient, resetHint{now.Add(20 * time.Second), "x"}, true, now, top)
	if !ok || w != 21*time.Second {
		t.Errorf("wait for reset %v %v %q", w, ok, how)
	}
	if w, _, _ := p.nextWait(1, RetryTransient, resetHint{now.Add(time.Hour), "x"}, true, now, top); w != time.Minute {
		t.Errorf("wait for a far reset %v, want the cap", w)
	}
	// No wait past the deadline.
	p.deadline = now.Add(10 * time.Second)
	if _, ok, why := p.nextWait(1, RetryTransient, resetHint{now.Add(20 * time.Second), "x"}, true, now, top); ok {
		t.Errorf("waited past the deadline (%s)", why)
	}
}

func TestTransientReason(t *testing.T) {
	exit := func(detail string) recorder.Entry {
		return recorder.Entry{ErrorType: recorder.ErrExit, ErrorDetail: detail}
	}
	for _, tc := range []struct {
		name      string
		e         recorder.Entry
		snap      Snapshot
		transient bool
	}{
		{"529", exit("server_error"), Snapshot{Result: &recorder.Result{APIErrorStatus: 529}}, true},
		{"500", exit("server_error"), Snapshot{Result: &recorder.Result{APIErrorStatus: 500}}, true},
		{"429", exit("rate_limit"), Snapshot{Result: &recorder.Result{APIErrorStatus: 429}}, true},
		{"StopFailure rate_limit, no result", exit("rate_limit"), Snapshot{}, true},
		{"client retried a 503", exit("exit code 1"), Snapshot{RetryStatus: 503}, true},
		{"connection dropped", exit("exit code 1: API Error: Connection error."), Snapshot{LastOutput: "API Error: Connection error."}, true},
		{"usage limit", exit("api_error"), Snapshot{APIErrorText: "Claude AI usage limit reached|1767225600"}, true},
		{"401", exit("authentication_failed"), Snapshot{Result: &recorder.Result{APIErrorStatus: 401}}, false},
		{"400", exit("unknown"), Snapshot{Result: &recorder.Result{APIErrorStatus: 400}}, false},
		{"max turns", exit("max_turns"), Snapshot{}, false},
		{"budget", exit("budget"), Snapshot{}, false},
		{"the work's exit code", exit("exit code 3: make: *** [all] Error 2"), Snapshot{}, false},
		{"permission denied", exit("error_during_execution"), Snapshot{ResultText: "permission denied"}, false},
		{"timeout", recorder.Entry{ErrorType: recorder.ErrTimeout, ErrorDetail: "timeout after 1s"}, Snapshot{}, false},
		// The model's words are not the client's report.
		{"answer mentions a refused connection, exit 1", exit("exit code 1"),
			Snapshot{Result: &recorder.Result{Subtype: "success"}, ResultText: "The check failed: connect ECONNREFUSED 127.0.0.1:5432"}, false},
		{"is_error answer mentions a limit", exit("error_during_execution"),
			Snapshot{Result: &recorder.Result{Subtype: "error_during_execution", IsError: true}, ResultText: "Connection error: usage limit reached on the build server"}, false},
		{"client retried, then the task failed", exit("exit code 1"),
			Snapshot{Result: &recorder.Result{Subtype: "success"}, RetryStatus: 500, ResultText: "done, but the tests fail"}, false},
		// The client's own API error, in its words.
		{"client's connection error", exit("api_error"),
			Snapshot{Result: &recorder.Result{Subtype: "success", IsError: true, TerminalReason: "api_error"}, ResultText: "API Error: Connection error."}, true},
		{"success", recorder.Entry{Success: true}, Snapshot{}, false},
	} {
		if got := transientReason(tc.e, tc.snap); (got != "") != tc.transient {
			t.Errorf("%s: transientReason = %q, want transient %v", tc.name, got, tc.transient)
		}
	}
}

// TestTranscriptReset reads the reset time from the real client's
// transcript of a 429 with the unified rate-limit headers.
func TestTranscriptReset(t *testing.T) {
	dir := filepath.Join("..", "testdata", "claude-code-2.1.328", "429")
	at, ok := transcriptReset(filepath.Join(dir, "429-rate-limit-headers-retries-1.transcript.jsonl"))
	if !ok || at.Unix() != 1796221231 {
		t.Errorf("resetsAt: %v %v, want 1796221231", at, ok)
	}
	// Client retries 0: no api_error line, no reset time.
	if at, ok := transcriptReset(filepath.Join(dir, "429-rate-limit-headers.transcript.jsonl")); ok {
		t.Errorf("reset time %v from a transcript without one", at)
	}
	// retryInMs alone: the line's timestamp plus the delay.
	p := filepath.Join(t.TempDir(), "t.jsonl")
	os.WriteFile(p, []byte(`{"type":"system","subtype":"api_error","error":{"status":500,"rateLimits":null},"retryInMs":590,"timestamp":"2026-12-02T14:00:00.000Z"}`+"\n"), 0o644)
	if at, ok := transcriptReset(p); !ok || !at.Equal(time.Date(2026, 12, 2, 14, 0, 0, 590e6, time.UTC)) {
		t.Errorf("retryInMs: %v %v", at, ok)
	}
}

// TestStreamAPIRetry: the stream's system/api_retry lines of the real
// client are noted.
func TestStreamAPIRetry(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "claude-code-2.1.328", "429", "429-rate-limit-headers-retries-1.stream.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewStream(nil)
	for _, l := range splitLines(b) {
		s.Line(l)
	}
	snap := s.Snapshot()
	if snap.APIRetries != 1 || snap.RetryStatus != 429 || snap.RetryDelay != 2386*time.Millisecond || snap.RetryAt.IsZero() {
		t.Errorf("snapshot %+v", snap)
	}
	if snap.APIErrorText == "" || snap.Result == nil || snap.Result.APIErrorStatus != 429 {
		t.Errorf("api error text %q, result %+v", snap.APIErrorText, snap.Result)
	}
	if transientReason(recorder.Entry{ErrorType: recorder.ErrExit, ErrorDetail: "rate_limit"}, snap) == "" {
		t.Error("not transient")
	}
}

// TestModelWordsNotRetried: a task whose answer mentions a refused
// connection is not retried, whether claude exits 0 or 1 with it; the
// client's own connection error (a synthetic API-error message and an
// api_error result, shaped as the captured 500 of Claude Code 2.1.328
// without a status) still is, to the limit.
func TestModelWordsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name, stream, exit string
		attempts           int
		success            bool
	}{
		{"answer, exit 0", "stream-answer-refused.jsonl", "0", 1, true},
		{"answer, exit 1", "stream-answer-refused.jsonl", "1", 1, false},
		{"client's connection error", "stream-connection-error.jsonl", "1", 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunEnv(t)
			stream, _ := filepath.Abs(filepath.Join("testdata", tc.stream))
			r.env["STANDIN_STREAM"], r.env["STANDIN_EXIT"] = stream, tc.exit
			o := r.opts(standIn(t, "replay.sh"))
			retries := 2
			o.Flags.Retries, o.Flags.RetryDelay, o.Flags.RetryMaxDelay = &retries, 10*time.Millisecond, 50*time.Millisecond
			out, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Entries) != tc.attempts || out.Entry.Success != tc.success {
				t.Fatalf("%d attempts (want %d), last %+v", len(out.Entries), tc.attempts, out.Entry)
			}
			if tc.attempts > 1 && out.Ending != GaveUp {
				t.Errorf("ending %v, want gave up", out.Ending)
			}
			if tc.attempts == 1 && (out.Ending != Exited || strconv.Itoa(out.Code) != tc.exit) {
				t.Errorf("ending %v code %d, want exited %s", out.Ending, out.Code, tc.exit)
			}
		})
	}
}
