package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

// capturedPath is the transcript path the captured payloads name.
const capturedPath = "/home/user/.claude/projects/-project/f9658234-766f-444f-94d0-defdab706313.jsonl"

// toolTranscript writes a transcript of about size bytes shaped like a long
// agent session, the worst case for rendering: the captured transcript's
// opening, then turns of its own assistant text, Bash call, tool result
// (grown to 32 KB of output, kept twice as Claude Code keeps it: in the
// message and in toolUseResult) and closing text, each turn with distinct
// message ids, then its closing lines. It returns the path and the number
// of turns; every turn's usage is the captured one's, 12232 tokens.
func toolTranscript(tb testing.TB, dir string, size int) (string, int) {
	src, err := os.ReadFile(filepath.Join(claudetest.RepoRoot(), "testdata", "claude-code-2.1.328", "transcript.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.SplitAfter(string(src), "\n")
	// Lines 20, 21, 24 and 27 (1-based) are the turn: text, tool_use,
	// tool_result, text. Before them the prompt; after them cost-state.
	head, turn, tail := lines[:19], []string{lines[19], lines[20], lines[23], lines[26]}, lines[27:]
	var out strings.Builder
	for i := range 400 {
		fmt.Fprintf(&out, `line %d of the command's output, as a build or a test run prints it\n`, i)
	}
	big := out.String()
	turn[2] = strings.Replace(turn[2], `"content":"hi"`, `"content":"`+big+`"`, 1)
	turn[2] = strings.Replace(turn[2], `"stdout":"hi"`, `"stdout":"`+big+`"`, 1)

	path := filepath.Join(dir, fmt.Sprintf("tools-%d.jsonl", size))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	for _, l := range head {
		n += len(l)
		w.WriteString(l)
	}
	turns := 0
	for ; n < size; turns++ {
		r := strings.NewReplacer("msg_fake_", fmt.Sprintf("msg_%d_", turns), "toolu_6e62f691e0a740efb3d83cc9", fmt.Sprintf("toolu_%d", turns))
		for _, l := range turn {
			l = r.Replace(l)
			n += len(l)
			w.WriteString(l)
		}
	}
	for _, l := range tail {
		w.WriteString(l)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path, turns
}
