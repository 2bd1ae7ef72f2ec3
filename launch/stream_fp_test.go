package launch

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/sessionlog"
)

// TestStreamStructuredOutput: from Claude Code 2.1.328's captured output
// with --json-schema, the stream keeps the structured output, the init
// event and the models for the checks and the fingerprint.
func TestStreamStructuredOutput(t *testing.T) {
	for file, want := range map[string]string{"stream-json-schema.jsonl": `{"name":"x"}`, "stream-json-schema-unmet.jsonl": ""} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "claude-code-2.1.328", file))
		if err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		s := NewStream(sessionlog.New(&log))
		s.ReadFrom(bytes.NewReader(b))
		snap := s.Snapshot()
		got := ""
		if snap.StructuredOutput != nil {
			got = gjson.ParseBytes(snap.StructuredOutput).Raw
		}
		if got != want {
			t.Errorf("%s: structured output %q, want %q", file, got, want)
		}
		fp := fingerprint.FP{}
		fp.AddInit(snap.Init)
		fp.AddModels(snap.Models...)
		if fp[fingerprint.PartClaude] != "2.1.328" || fp[fingerprint.PartModels] != "claude-opus-5-5" || fp[fingerprint.PartTools] == "" {
			t.Errorf("%s: fingerprint %v", file, fp)
		}
	}
}
