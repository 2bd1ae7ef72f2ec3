package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPruneUsageExit: a cut that cannot be read, or lies in the future, is
// a usage error (exit 2) that leaves the history as it was.
func TestPruneUsageExit(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	line := `{"task_id":"a","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"2024-01-05T10:00:00.000Z"}` + "\n"
	if err := os.WriteFile(hist, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"prune"},
		{"prune", "--older-than", "soon"},
		{"prune", "--older-than", "2999-01-01"},
		{"prune", "--older-than", "-5d"},
		{"prune", "--older-than", "90d", "extra"},
	} {
		var out, errb bytes.Buffer
		code := run(append(args, "--logs-dir", dir), nil, &out, &errb, []string{"HOME=/no-home"})
		if code != exitUsage || !strings.HasPrefix(errb.String(), "ccq: error: ") {
			t.Errorf("%q: exit %d, stderr %q; want %d and a ccq: error", args, code, errb.String(), exitUsage)
		}
	}
	if b, _ := os.ReadFile(hist); string(b) != line {
		t.Errorf("history changed: %q", b)
	}
}
