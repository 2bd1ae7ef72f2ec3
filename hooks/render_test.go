package hooks

import (
	"testing"
	"time"
)

// TestSessionEndBudget: ccq-hook keeps to 80% of Claude Code's SessionEnd
// budget: 1.2 s of the default 1.5 s, or of what
// CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS sets; a value that is not a
// positive number of milliseconds is Claude Code's default.
func TestSessionEndBudget(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"":                     1200 * time.Millisecond,
		"4000":                 3200 * time.Millisecond,
		"60000":                48 * time.Second,
		"1":                    800 * time.Microsecond,
		"0":                    1200 * time.Millisecond,
		"-5":                   1200 * time.Millisecond,
		"1.5s":                 1200 * time.Millisecond,
		"99999999999999999999": 1200 * time.Millisecond,
	} {
		if got := sessionEndBudget(map[string]string{EnvSessionEndTimeout: v}); got != want {
			t.Errorf("budget with %s=%q: %v, want %v", EnvSessionEndTimeout, v, got, want)
		}
	}
	if got := processStart(time.Now()); time.Since(got) < 0 || time.Since(got) > time.Hour {
		t.Errorf("processStart = %v, want this test process's start", got)
	}
}
