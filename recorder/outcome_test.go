package recorder

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// resultFixture reads a captured result object the way the launcher does.
func resultFixture(t *testing.T, name string) *Result {
	t.Helper()
	b, err := os.ReadFile(fixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{
		Subtype:        gjson.GetBytes(b, "subtype").Str,
		IsError:        gjson.GetBytes(b, "is_error").Bool(),
		TerminalReason: gjson.GetBytes(b, "terminal_reason").Str,
		APIErrorStatus: int(gjson.GetBytes(b, "api_error_status").Int()),
	}
	return r
}

func TestClassify(t *testing.T) {
	ok := &Transcript{Files: 1, End: EndAnswered}
	tests := []struct {
		name   string
		ev     Evidence
		typ    ErrorType
		detail string
	}{
		{"hook: Stop then SessionEnd", Evidence{Run: &Run{SessionStarts: 1, Stops: 1, Ended: true, Transcript: ok}}, ErrNone, ""},
		{"hook: two Stops (background subagent)", Evidence{Run: &Run{SessionStarts: 1, Stops: 2, Ended: true}}, ErrNone, ""},
		{"hook: StopFailure", Evidence{Run: &Run{SessionStarts: 1, StopFailure: "rate_limit", Ended: true}}, ErrExit, "rate_limit"},
		{"hook: StopFailure killed, API-error turn in transcript", Evidence{Run: &Run{SessionStarts: 1, Ended: true,
			Transcript: &Transcript{Files: 1, APIError: "server_error", APIErrorStatus: 529}}}, ErrExit, "server_error"},
		{"hook: no Stop, turns ran out", Evidence{Run: &Run{SessionStarts: 1, Ended: true, Transcript: &Transcript{Files: 1, End: EndToolDone}}}, ErrExit, "max_turns"},
		{"hook: no Stop, request in flight", Evidence{Run: &Run{SessionStarts: 1, Ended: true, Transcript: &Transcript{Files: 1, End: EndInFlight}}}, ErrException, "interrupted"},
		{"hook: no Stop, tool cut off", Evidence{Run: &Run{SessionStarts: 1, Ended: true, Transcript: &Transcript{Files: 1, End: EndToolRunning}}}, ErrException, "interrupted"},
		{"hook: no Stop, nothing else known", Evidence{Run: &Run{SessionStarts: 1, Ended: true}}, ErrExit, "no_stop"},

		{"launcher: success", Evidence{Launched: true, ExitKnown: true, Result: resultFixture(t, "result.json")}, ErrNone, ""},
		// The exit code alone would say "exit code 1"; the result's subtype says success.
		{"launcher: API error 500 exits 1 with subtype success", Evidence{Launched: true, ExitKnown: true, ExitCode: 1,
			Result: resultFixture(t, "result-api-error.json")}, ErrExit, "server_error"},
		{"launcher: API error 529", Evidence{Launched: true, ExitKnown: true, ExitCode: 1,
			Result: resultFixture(t, "result-api-error-529.json")}, ErrExit, "server_error"},
		{"launcher: max turns", Evidence{Launched: true, ExitKnown: true, ExitCode: 1,
			Result: resultFixture(t, "result-max-turns.json")}, ErrExit, "max_turns"},
		// SIGINT makes Claude Code exit 0.
		{"launcher: SIGINT exits 0", Evidence{Launched: true, ExitKnown: true, Signal: "SIGINT",
			Result: resultFixture(t, "result-sigint.json")}, ErrException, "signal: SIGINT"},
		{"launcher: aborted result without a known signal", Evidence{Launched: true, ExitKnown: true,
			Result: resultFixture(t, "result-sigint.json")}, ErrException, "interrupted"},
		{"launcher: SIGTERM from elsewhere exits 143", Evidence{Launched: true, ExitKnown: true, ExitCode: 143}, ErrException, "signal: SIGTERM"},
		{"launcher: SIGKILL", Evidence{Launched: true, ExitKnown: true, ExitCode: -1, Signal: "SIGKILL"}, ErrException, "signal: SIGKILL"},
		{"launcher: timeout beats the signal it sent", Evidence{Launched: true, ExitKnown: true, ExitCode: 143, Signal: "SIGTERM",
			TimedOut: true, Timeout: 90 * time.Second}, ErrTimeout, "timeout after 1m30s"},
		{"launcher: claude missing", Evidence{Launched: true, StartErr: errors.New(`exec: "claude": executable file not found in $PATH`)},
			ErrException, `start: exec: "claude": executable file not found in $PATH`},
		{"launcher: plain non-zero exit", Evidence{Launched: true, ExitKnown: true, ExitCode: 33}, ErrExit, "exit code 33"},
		{"launcher: permission denied result is still a success", Evidence{Launched: true, ExitKnown: true,
			Result: resultFixture(t, "result-permission-denied.json")}, ErrNone, ""},
		// With a result, a missing Stop (UserPromptSubmit blocked) is not a failure.
		{"launcher: no Stop but result success", Evidence{Launched: true, ExitKnown: true, Result: &Result{Subtype: "success"},
			Run: &Run{SessionStarts: 1, Ended: true}}, ErrNone, ""},
		{"recovery: launcher killed", Evidence{Run: &Run{Launched: true}, Unfinished: "unfinished: launcher killed"}, ErrException, "unfinished: launcher killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, detail := Classify(tt.ev)
			if typ != tt.typ || detail != tt.detail {
				t.Errorf("Classify = %q, %q; want %q, %q", typ, detail, tt.typ, tt.detail)
			}
		})
	}
}

func TestTokensPreferTranscriptThenResultThenEstimate(t *testing.T) {
	u := &Usage{1, 2, 3, 4}
	tests := []struct {
		name  string
		ev    Evidence
		total int64
		src   string
	}{
		{"transcript", Evidence{Transcript: &Transcript{Files: 1, Usage: Usage{10, 20, 30, 40}}, Result: &Result{Usage: u}}, 100, TokensTranscript},
		{"transcript read but empty is exact zero", Evidence{Run: &Run{Transcript: &Transcript{Files: 1}}, Result: &Result{Usage: u}}, 0, TokensTranscript},
		{"result", Evidence{Result: &Result{Usage: u}}, 10, TokensResult},
		{"estimate", Evidence{OutputBytes: 401}, 100, TokensEstimate},
		{"never started", Evidence{StartErr: errors.New("exec: \"claude\": executable file not found in $PATH")}, 0, TokensNone},
		{"estimate from the hook's last message", Evidence{Run: &Run{OutputBytes: 22}}, 5, TokensEstimate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src := Tokens(tt.ev)
			if got.Total() != tt.total || src != tt.src {
				t.Errorf("got %d from %s, want %d from %s", got.Total(), src, tt.total, tt.src)
			}
		})
	}
}

// TestResumeCountsOnlyThisRun: a resumed session appends to the transcript
// of the session it resumes; the run that resumed it owns only what comes
// after the offset SessionStart recorded, tokens and cost alike.
func TestResumeCountsOnlyThisRun(t *testing.T) {
	src, err := os.ReadFile(fixture(t, "transcript.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/s.jsonl"
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	off := SessionOffsets(path)
	if off[path] != int64(len(src)) {
		t.Fatalf("offset %d, want %d", off[path], len(src))
	}
	// The second invocation: one more message and a new cumulative cost-state.
	more := `{"type":"api-request","sessionId":"s"}` + "\n" +
		`{"type":"assistant","message":{"id":"msg_resume_1","model":"claude-opus-5-5","stop_reason":"end_turn","usage":{"input_tokens":7,"output_tokens":5,"cache_creation_input_tokens":3,"cache_read_input_tokens":2}}}` + "\n" +
		`{"type":"cost-state","totalCostUSD":0.02}` + "\n"
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(more)
	f.Close()

	got, err := ReadSession(path, off)
	if err != nil {
		t.Fatal(err)
	}
	if got.Usage != (Usage{7, 5, 3, 2}) || got.Messages != 1 {
		t.Errorf("usage %+v over %d messages, want only the resumed run's", got.Usage, got.Messages)
	}
	if got.CostUSD == nil || *got.CostUSD < 0.0067123 || *got.CostUSD > 0.0067125 {
		t.Errorf("cost %v, want 0.02 - 0.0132876", got.CostUSD)
	}
}

func TestReadSessionAddsSubagents(t *testing.T) {
	dir := t.TempDir()
	main, _ := os.ReadFile(fixture(t, "transcript.jsonl"))
	sub, _ := os.ReadFile(fixture(t, "transcript-subagent.jsonl"))
	os.WriteFile(dir+"/sess.jsonl", main, 0o600)
	os.MkdirAll(dir+"/sess/subagents", 0o700)
	os.WriteFile(dir+"/sess/subagents/agent-a1.jsonl", sub, 0o600)
	got, err := ReadSession(dir+"/sess.jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{203 + 102, 23 + 12, 2003 + 1002, 10003 + 5002}
	if got.Usage != want || got.Subagents != 1 {
		t.Errorf("usage %+v (subagents %d), want %+v with 1", got.Usage, got.Subagents, want)
	}
}

func TestReadSessionRejectsDirectoryAndMissing(t *testing.T) {
	if _, err := ReadSession(t.TempDir(), nil); err == nil {
		t.Error("a directory was read as a transcript")
	}
	if _, err := ReadSession(t.TempDir()+"/none.jsonl", nil); err == nil {
		t.Error("a missing transcript gave no error")
	}
}

// TestTranscriptsCapturedHere checks the transcripts captured from the real
// binary for this project (not in the shared fixtures).
func TestTranscriptsCapturedHere(t *testing.T) {
	for file, end := range map[string]string{
		"testdata/transcript-maxturns.jsonl": EndToolDone,
		"testdata/transcript-sigterm.jsonl":  EndInFlight,
		"testdata/transcript-sigint.jsonl":   EndInFlight,
	} {
		got, err := ReadSession(file, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.End != end {
			t.Errorf("%s: end %q, want %q", file, got.End, end)
		}
	}
}

func TestEvidenceJSONRoundTrip(t *testing.T) {
	// The SessionEnd event carries the transcript summary to the launcher.
	tr := Transcript{Usage: Usage{1, 2, 3, 4}, Messages: 2, Model: "m", APIError: "rate_limit", APIErrorStatus: 429, End: EndAnswered, Files: 1}
	b, _ := json.Marshal(Event{Ev: EvSessionEnd, TS: &tr})
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil || *ev.TS != tr {
		t.Fatalf("round trip: %v %+v", err, ev.TS)
	}
}
