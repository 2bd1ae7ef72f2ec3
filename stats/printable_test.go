package stats

import (
	"strings"
	"testing"
)

// TestCheckPrintable: a miss names its task without the control
// characters a hand-written history may hold; the message goes to a
// terminal and to notifications.
func TestCheckPrintable(t *testing.T) {
	rate := 0.5
	r := &Report{Tasks: []TaskStats{{TaskID: "\x1b]0;owned\x07\x1b[2Jnightly\u009b", Runs: 2, Successes: 1, SuccessRate: &rate}}}
	misses := Check(r, Thresholds{MinSuccessRate: 0.9})
	if len(misses) != 1 {
		t.Fatalf("misses %q", misses)
	}
	if strings.ContainsAny(misses[0], "\x1b\x07\u009b") || !strings.Contains(misses[0], "nightly") {
		t.Errorf("miss %q", misses[0])
	}
}
