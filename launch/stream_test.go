package launch

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ccq-dev/ccq/sessionlog"
)

func TestStreamToolRun(t *testing.T) {
	data, err := os.ReadFile("testdata/stream-tool.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	s := NewStream(sessionlog.New(&log))
	// A line of stderr in the middle must keep its place.
	i := bytes.Index(data, []byte(`{"type":"user"`))
	in := append(append(append([]byte{}, data[:i]...), "warning: something on stderr\n"...), data[i:]...)
	if _, err := s.ReadFrom(bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if snap.SessionID != "1ec5c187-49be-4af9-9af8-bee3dd76e818" || snap.Model != "claude-opus-5-5" || snap.Cwd != "/project" {
		t.Errorf("init: %+v", snap)
	}
	if snap.Turns != 2 {
		t.Errorf("turns %d, want 2 (two messages, three assistant lines)", snap.Turns)
	}
	r := snap.Result
	if r == nil {
		t.Fatal("no result")
	}
	if r.Subtype != "success" || r.IsError || r.TerminalReason != "completed" || r.NumTurns != 2 || r.Usage == nil || r.Usage.Total() != 203+23+2003+10003 || r.CostUSD == nil || *r.CostUSD != 0.0132876 {
		t.Errorf("result %+v usage %+v", r, r.Usage)
	}
	if snap.Tokens != r.Usage.Total() {
		t.Errorf("tokens %d after the result, want the result's %d", snap.Tokens, r.Usage.Total())
	}
	if snap.Tool != "" {
		t.Errorf("tool %q still running after the result", snap.Tool)
	}
	out := log.String()
	order := []string{"_session `1ec5c187", "**Assistant:**", "**Tool call:** `Bash`", "echo hi", "    warning: something on stderr", "Result of `Bash`", "hi", "_Claude Code finished: `success`, `completed`_"}
	pos := 0
	for _, want := range order {
		j := strings.Index(out[pos:], want)
		if j < 0 {
			t.Fatalf("log lacks %q after byte %d:\n%s", want, pos, out)
		}
		pos += j + len(want)
	}
}

func TestStreamAPIError(t *testing.T) {
	data, err := os.ReadFile("testdata/stream-429.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	s := NewStream(sessionlog.New(&log))
	s.ReadFrom(bytes.NewReader(data))
	snap := s.Snapshot()
	if snap.Turns != 0 {
		t.Errorf("turns %d: the synthetic error message is not a turn", snap.Turns)
	}
	if r := snap.Result; r == nil || !r.IsError || r.TerminalReason != "api_error" || r.APIErrorStatus != 429 {
		t.Errorf("result %+v", snap.Result)
	}
	if !strings.Contains(log.String(), "> **API error:** API Error: Request rejected (429)") {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestStreamErrorResult: a stream that ends in an error result whose text
// no assistant message showed: the log's closing block shows the text and
// the API status.
func TestStreamErrorResult(t *testing.T) {
	var log bytes.Buffer
	s := NewStream(sessionlog.New(&log))
	s.Line([]byte(`{"type":"system","subtype":"init","session_id":"s"}`))
	s.Line([]byte(`{"type":"result","subtype":"success","is_error":true,"terminal_reason":"api_error","api_error_status":529,"result":"API Error: 529 {\"type\":\"overloaded_error\"}\nretry later"}`))
	out := log.String()
	for _, want := range []string{"_Claude Code finished: `success`, `api_error`, is_error, API status 529_", "> **Result:**\n>\n> API Error: 529 {\"type\":\"overloaded_error\"}\n> retry later\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// A result repeating the last message is not shown twice.
	log.Reset()
	s = NewStream(sessionlog.New(&log))
	s.Line([]byte(`{"type":"assistant","message":{"id":"m1","content":[{"type":"text","text":"All done."}]}}`))
	s.Line([]byte(`{"type":"result","subtype":"success","result":"All done.\n"}`))
	if strings.Count(log.String(), "All done.") != 1 {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestStreamTurnsWithoutIDs: messages without an id still count, once per
// message however many content blocks it has.
func TestStreamTurnsWithoutIDs(t *testing.T) {
	s := NewStream(nil)
	for _, l := range []string{
		`{"type":"system","subtype":"init","session_id":"s"}`,
		`{"type":"assistant","message":{"content":[{"type":"text","text":"Let me look."}]}}`,
		`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{}}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}}`,
		`{"type":"assistant","message":{"content":[{"type":"text","text":"Done."}]}}`,
	} {
		s.Line([]byte(l))
	}
	if got := s.Snapshot().Turns; got != 2 {
		t.Errorf("turns %d, want 2", got)
	}
	if got := ProgressLine("job", 0, s.Snapshot()); !strings.Contains(got, "2 turns") {
		t.Errorf("progress %q", got)
	}
}

// TestStreamLastOutput: the last non-JSON line that says something.
func TestStreamLastOutput(t *testing.T) {
	s := NewStream(nil)
	for _, l := range []string{"API Error: 529 overloaded\x1b", `{"type":"system","subtype":"init"}`, "  ----  ", ""} {
		s.Line([]byte(l))
	}
	if got := s.Snapshot().LastOutput; got != "API Error: 529 overloaded" {
		t.Errorf("last output %q", got)
	}
	s.Line([]byte(strings.Repeat("é", 300)))
	if got := s.Snapshot().LastOutput; len(got) > maxLastOutput+len("…") || !utf8.ValidString(got) {
		t.Errorf("last output %d bytes: %q", len(got), got)
	}
}

func TestStreamToolInUse(t *testing.T) {
	s := NewStream(nil)
	s.Line([]byte(`{"type":"assistant","message":{"id":"m1","usage":{"input_tokens":5,"output_tokens":1},"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"sleep 1"}}]}}`))
	if got := s.Snapshot(); got.Tool != "Bash" || got.Tokens != 6 || got.Turns != 1 {
		t.Errorf("after tool_use: %+v", got)
	}
	s.Line([]byte(`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"done"}]}]}}`))
	if got := s.Snapshot(); got.Tool != "" {
		t.Errorf("after tool_result: tool %q", got.Tool)
	}
}

func TestStreamLongLine(t *testing.T) {
	var log bytes.Buffer
	s := NewStream(sessionlog.New(&log))
	long := `{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"` + strings.Repeat("x", 200<<10) + `"}]}}`
	s.ReadFrom(strings.NewReader(long + "\nafter\n"))
	if s.Snapshot().Lines != 2 {
		t.Errorf("lines %d", s.Snapshot().Lines)
	}
	if !strings.Contains(log.String(), "more bytes") || !strings.Contains(log.String(), "    after") {
		t.Errorf("log:\n%.500s", log.String())
	}
}

func FuzzStream(f *testing.F) {
	for _, p := range []string{"testdata/stream-tool.jsonl", "testdata/stream-429.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"assistant","message":{"content":"x"}}` + "\n{\"type\":\"result\",\"usage\":7}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var log bytes.Buffer
		s := NewStream(sessionlog.New(&log))
		if _, err := s.ReadFrom(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(log.Bytes()) {
			t.Fatalf("log is not UTF-8: %q", log.Bytes())
		}
	})
}
