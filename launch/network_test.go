package launch

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sessionlog"
)

// TestStreamConnectionRefused: Claude Code 2.1.328's stream-json of a run
// against a closed port (captured, CLAUDE_CODE_MAX_RETRIES=0, exit 1) is a
// refused connection with the client's own line, not a server_error, and
// a temporary failure for the retry and the exit code (75).
func TestStreamConnectionRefused(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "claude-code-2.1.328", "stream-json-connection-refused.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	s := NewStream(sessionlog.New(&log))
	s.ReadFrom(bytes.NewReader(b))
	snap := s.Snapshot()
	if snap.Result == nil || snap.Result.APIError != "connection_failed" {
		t.Fatalf("result %+v", snap.Result)
	}
	var e recorder.Entry
	recorder.Fill(&e, recorder.Evidence{Launched: true, ExitKnown: true, ExitCode: 1, Result: snap.Result})
	if e.ErrorType != recorder.ErrExit || !strings.HasPrefix(e.ErrorDetail, "connection_refused: API Error: Connection refused") ||
		!strings.HasSuffix(e.ErrorDetail, "(ECONNREFUSED)") {
		t.Errorf("line = %s %q, want exit_error connection_refused: <client line>", e.ErrorType, e.ErrorDetail)
	}
	if r := transientReason(e, snap); r != e.ErrorDetail {
		t.Errorf("transient reason = %q, want %q", r, e.ErrorDetail)
	}
}
