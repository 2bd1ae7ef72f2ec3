package recorder

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadTranscript feeds arbitrary bytes to the transcript reader. It must
// never panic, and reading a file from an offset must count exactly what
// reading the part after the offset alone counts: that is what makes a
// resumed run's tokens its own.
func FuzzReadTranscript(f *testing.F) {
	for _, name := range []string{"transcript.jsonl", "transcript-api-error.jsonl"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			f.Fatal(err)
		}
		// Seed with the interesting lines only, to keep inputs small.
		var small [][]byte
		for _, l := range bytes.Split(b, []byte{'\n'}) {
			if bytes.Contains(l, patAssistant) || bytes.Contains(l, patRequest) || bytes.Contains(l, patCost) {
				small = append(small, l)
			}
		}
		f.Add(bytes.Join(small, []byte{'\n'}))
	}
	f.Add([]byte(`{"type":"assistant","message":{"id":"m","usage":{"input_tokens":1}}}` + "\n" + `{"type":"assistant","message":{"id":"m","usage":{"input_tokens":2}}}`))
	f.Add([]byte("\n\n{\"type\":\"api-request\"}\n\x00\xff"))
	prefix := []byte(`{"type":"assistant","message":{"id":"old","usage":{"input_tokens":1000,"output_tokens":1}}}` + "\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		alone := filepath.Join(dir, "alone.jsonl")
		resumed := filepath.Join(dir, "resumed.jsonl")
		os.WriteFile(alone, data, 0o600)
		os.WriteFile(resumed, append(append([]byte(nil), prefix...), data...), 0o600)
		a, err := ReadSession(alone, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadSession(resumed, Offsets{resumed: int64(len(prefix))})
		if err != nil {
			t.Fatal(err)
		}
		if a.Usage != r.Usage || a.Messages != r.Messages || a.End != r.End || a.APIError != r.APIError {
			t.Fatalf("alone %+v, after offset %+v", a, r)
		}
		if _, err := json.Marshal(a); err != nil {
			t.Fatal(err)
		}
	})
}
