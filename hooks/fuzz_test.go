package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// FuzzHandle feeds arbitrary stdin and ids to the hook. It must never panic,
// never write outside the logs directory, and whatever it writes to the
// history must be whole JSON lines.
func FuzzHandle(f *testing.F) {
	dir := "../testdata/claude-code-2.1.328"
	for _, name := range []string{"SessionStart.json", "Stop.json", "StopFailure.json", "SessionEnd.json", "PreToolUse.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "task", "run")
	}
	f.Add([]byte(`{"hook_event_name":"SessionEnd","session_id":"s","transcript_path":"/dev/null"}`), "../x", "a/../../b")
	f.Add([]byte("\x00\x01{"), "", "")
	f.Fuzz(func(t *testing.T, stdin []byte, task, run string) {
		root := t.TempDir()
		logs := filepath.Join(root, "logs")
		env := map[string]string{
			recorder.EnvLogsDir: logs, recorder.EnvTaskID: task, recorder.EnvRunID: run,
		}
		_ = Handle(Input{Stdin: bytes.NewReader(stdin), Env: env, Cwd: root, Now: time.Now()})
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if path != root && path != logs && !strings.HasPrefix(path, logs+string(filepath.Separator)) {
				t.Fatalf("wrote outside the logs directory: %s", path)
			}
			return nil
		})
		if data, err := os.ReadFile(recorder.HistoryPath(logs)); err == nil {
			for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\n'}) {
				if !json.Valid(line) {
					t.Fatalf("history line is not JSON: %q", line)
				}
			}
		}
	})
}
