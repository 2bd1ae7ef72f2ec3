package recorder

import (
	"os"
	"path/filepath"
	"testing"
)

const fixtures = "../testdata/claude-code-2.1.328"

func fixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(fixtures, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return p
}

func TestReadSessionFixtures(t *testing.T) {
	tests := []struct {
		file     string
		usage    Usage
		messages int
		apiErr   string
		status   int
		end      string
		model    string
		wantCost float64
	}{
		// Two requests; every content block line repeats its message's usage.
		{"transcript.jsonl", Usage{203, 23, 2003, 10003}, 2, "", 0, EndAnswered, "claude-opus-5-5", 0.0132876},
		// An HTTP 500: one synthetic turn with zero usage, no real message.
		{"transcript-api-error.jsonl", Usage{}, 0, "server_error", 500, EndAnswered, "", 0},
		// A subagent transcript alone: one request.
		{"transcript-subagent.jsonl", Usage{102, 12, 1002, 5002}, 1, "", 0, EndAnswered, "claude-opus-5-5", -1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ReadSession(fixture(t, tt.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Usage != tt.usage || got.Messages != tt.messages {
				t.Errorf("usage = %+v over %d messages, want %+v over %d", got.Usage, got.Messages, tt.usage, tt.messages)
			}
			if got.APIError != tt.apiErr || got.APIErrorStatus != tt.status {
				t.Errorf("api error = %q/%d, want %q/%d", got.APIError, got.APIErrorStatus, tt.apiErr, tt.status)
			}
			if got.End != tt.end {
				t.Errorf("end = %q, want %q", got.End, tt.end)
			}
			if got.Model != tt.model {
				t.Errorf("model = %q, want %q", got.Model, tt.model)
			}
			switch {
			case tt.wantCost < 0 && got.CostUSD != nil:
				t.Errorf("cost = %v, want none", *got.CostUSD)
			case tt.wantCost >= 0 && (got.CostUSD == nil || *got.CostUSD != tt.wantCost):
				t.Errorf("cost = %v, want %v", got.CostUSD, tt.wantCost)
			}
		})
	}
}
