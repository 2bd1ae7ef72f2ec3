package recorder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// recordEvents writes a run's hook events to a state file and records it
// as ccq-hook does at SessionEnd, returning the line as written.
func recordEvents(t *testing.T, tr *Transcript, evs ...Event) map[string]any {
	t.Helper()
	dir := t.TempDir()
	for _, ev := range evs {
		if err := AppendEvent(dir, "run-1", ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Record(dir, "run-1", Evidence{Transcript: tr}, ByHook); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(HistoryPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// TestStopFailureTypes: every StopFailure error type Claude Code documents,
// and one it does not (a newer client's), is recorded as exit_error with
// the type verbatim in error_detail, counted as exit_error everywhere.
func TestStopFailureTypes(t *testing.T) {
	if len(StopFailureTypes) != 13 {
		t.Errorf("%d documented types, want the 13 of 2.1.328", len(StopFailureTypes))
	}
	types := []string{"brand_new_error", "weird type\twith\ncontrol"}
	for typ := range StopFailureTypes {
		types = append(types, typ)
	}
	for _, typ := range types {
		line := recordEvents(t, &Transcript{Files: 1, End: EndAnswered},
			Event{Ev: EvUserPromptSubmit, T: 1000, Task: "t"},
			Event{Ev: EvStopFailure, T: 2000, Err: typ},
			Event{Ev: EvSessionEnd, T: 3000})
		if line["success"] != false || line["error_type"] != "exit_error" || line["error_detail"] != typ {
			t.Errorf("StopFailure %q: line %v", typ, line)
		}
		if c := Categorize(false, line["error_type"].(string)); c != CategoryExitError {
			t.Errorf("StopFailure %q: category %q", typ, c)
		}
	}
	for typ, want := range map[string]bool{"rate_limit": true, "overloaded": true, "server_error": true, "billing_error": false, "max_output_tokens": false} {
		if got, known := StopFailureTransient(typ); got != want || !known {
			t.Errorf("StopFailureTransient(%q) = %v, %v; want %v, true", typ, got, known, want)
		}
	}
	if _, known := StopFailureTransient("brand_new_error"); known {
		t.Error("an undocumented type is known")
	}
}

// TestRateLimitWithoutStop: Stop (and StopFailure) not firing on a rate
// limit, as in some versions: the transcript's API-error turn still makes
// the run a rate limit, and the client's retry line its reset time
// (captured: 429 with the anthropic-ratelimit-unified-* headers).
func TestRateLimitWithoutStop(t *testing.T) {
	tr, err := ReadSession(fixture(t, "429/429-rate-limit-headers-retries-1.transcript.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1796221231, 0); !tr.ResetAt.Equal(want) {
		t.Errorf("ResetAt = %v, want %v (rateLimits.resetsAt)", tr.ResetAt, want)
	}
	line := recordEvents(t, &tr,
		Event{Ev: EvSessionStart, T: 1000, Task: "t"},
		Event{Ev: EvSessionEnd, T: 3000, Prompt: "p-1"})
	if line["error_type"] != "exit_error" || line["error_detail"] != "rate_limit" ||
		line[ExtraRateLimitReset] != time.Unix(1796221231, 0).UTC().Format(time.RFC3339) || line[ExtraPromptID] != "p-1" {
		t.Errorf("line %v", line)
	}
	// No reset time is known with the client's retries off: none is made up.
	tr, err = ReadSession(fixture(t, "429/429-no-headers.transcript.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	line = recordEvents(t, &tr, Event{Ev: EvSessionStart, T: 1000}, Event{Ev: EvSessionEnd, T: 3000})
	if _, ok := line[ExtraRateLimitReset]; ok || line["error_detail"] != "rate_limit" {
		t.Errorf("no headers: line %v", line)
	}
}

// TestUsageLimitMessage: a subscription's usage-limit message (text from
// public reports, not observed here: the fake API has no subscription),
// written as a synthetic assistant turn with no error field, classifies a
// run with no Stop as a rate limit, its reset the next 8pm in Los Angeles
// after the message.
func TestUsageLimitMessage(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip(err)
	}
	path := filepath.Join(t.TempDir(), "s.jsonl")
	lines := `{"type":"queue-operation","operation":"enqueue","timestamp":"2026-12-02T18:00:00.000Z"}
{"type":"user","message":{"role":"user","content":"go"},"timestamp":"2026-12-02T18:00:00.100Z"}
{"type":"assistant","timestamp":"2026-12-02T18:00:01.000Z","message":{"id":"m1","model":"<synthetic>","role":"assistant","content":[{"type":"text","text":"You've hit your limit · resets 8pm (America/Los_Angeles)"}],"usage":{"input_tokens":0,"output_tokens":0}}}
`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := ReadSession(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 2, 20, 0, 0, 0, la) // 18:00 UTC is 10am in LA
	if tr.APIError != "rate_limit" || !tr.ResetAt.Equal(want) {
		t.Errorf("APIError %q, ResetAt %v; want rate_limit, %v", tr.APIError, tr.ResetAt, want)
	}
	hook := time.Date(2026, 12, 2, 18, 0, 0, 300e6, time.UTC) // the first hook, after the prompt was queued
	line := recordEvents(t, &tr, Event{Ev: EvUserPromptSubmit, T: hook.UnixMilli()}, Event{Ev: EvSessionEnd, T: hook.UnixMilli() + 2000})
	if line["error_detail"] != "rate_limit" || line[ExtraRateLimitReset] != want.UTC().Format(time.RFC3339) {
		t.Errorf("line %v", line)
	}
	if got := line["timestamp"]; got != "2026-12-02T18:00:00.000Z" {
		t.Errorf("timestamp %v, want the transcript's first (no SessionStart)", got)
	}
}
