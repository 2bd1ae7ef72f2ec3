package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTasksPrintable: a task's prompt, whose first line is its description
// when it has none, reaches the terminal with its escape sequences and
// tabs replaced, so it can neither drive the terminal nor shift the
// columns. (Front matter refuses control characters itself.)
func TestTasksPrintable(t *testing.T) {
	dir := t.TempDir()
	md := "\x1b]0;owned\x07\x1b[2Jclear\tme\u009b1A\nDo it.\n"
	if err := os.WriteFile(filepath.Join(dir, "evil.md"), []byte(md), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"tasks", "--tasks-dir", dir}, nil, &stdout, &stderr, []string{"HOME=/no-home"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "evil") || !strings.Contains(out, "clear") {
		t.Fatalf("the task is not listed:\n%q\n%s", out, stderr.String())
	}
	assertPrintable(t, "ccq tasks", out)
	if strings.Count(out, "\t") > 0 {
		t.Errorf("a tab in the output: %q", out)
	}
}
