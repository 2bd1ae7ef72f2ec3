package recorder

import (
	"testing"
	"time"
)

func TestParseResetTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	utc := time.UTC
	now := time.Date(2026, 12, 2, 14, 20, 0, 0, utc) // 14:20 UTC, 15:20 in Berlin
	for _, tc := range []struct {
		text string
		want time.Time // zero: none
	}{
		// Older clients' machine-readable form (public reports).
		{"Claude AI usage limit reached|1767225600", time.Unix(1767225600, 0)},
		{"API Error: Claude AI usage limit reached|1767225600 (more)", time.Unix(1767225600, 0)},
		// Newer clients' subscription messages (public reports).
		{"5-hour limit reached ∙ resets 3pm", time.Date(2026, 12, 2, 15, 0, 0, 0, utc)},
		{"5-hour limit reached ∙ resets 2pm", time.Date(2026, 12, 3, 14, 0, 0, 0, utc)}, // passed: tomorrow
		{"Weekly limit reached ∙ resets 10:30am", time.Date(2026, 12, 3, 10, 30, 0, 0, utc)},
		{"Session limit reached ∙ resets 12am", time.Date(2026, 12, 3, 0, 0, 0, 0, utc)},
		{"resets 12pm", time.Date(2026, 12, 3, 12, 0, 0, 0, utc)},
		{"limit reached ∙ resets 4pm (Europe/Berlin)", time.Date(2026, 12, 2, 16, 0, 0, 0, berlin)},
		{"Claude usage limit reached. Your limit will reset at 5pm (Europe/Berlin).", time.Date(2026, 12, 2, 17, 0, 0, 0, berlin)},
		{"resets at 16:45", time.Date(2026, 12, 2, 16, 45, 0, 0, utc)},
		// Nothing to read.
		{"API Error: Request rejected (429) · fake failure 429", time.Time{}},
		{"resets 3", time.Time{}},
		{"resets 13pm", time.Time{}},
		{"resets 25:00", time.Time{}},
		{"", time.Time{}},
	} {
		got, ok := ParseResetTime(tc.text, now, utc)
		if ok != !tc.want.IsZero() || ok && !got.Equal(tc.want) {
			t.Errorf("ParseResetTime(%q) = %v, %v; want %v", tc.text, got, ok, tc.want)
		}
	}
}

func FuzzParseResetTime(f *testing.F) {
	f.Add("5-hour limit reached ∙ resets 3pm")
	f.Add("Claude AI usage limit reached|1767225600")
	f.Add("reset at 5pm (America/New_York)")
	now := time.Date(2026, 12, 2, 14, 20, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		at, ok := ParseResetTime(s, now, time.UTC)
		if ok && !usageLimitEpoch().MatchString(s) && (!at.After(now) || at.Sub(now) > 25*time.Hour) {
			t.Errorf("%q: clock time %v not within a day after now", s, at)
		}
	})
}

// TestIsUsageLimit: the usage-limit messages of public reports are told
// from other API errors, which say nothing of a limit.
func TestIsUsageLimit(t *testing.T) {
	for text, want := range map[string]bool{
		"Claude AI usage limit reached|1767225600":                  true,
		"You've hit your limit · resets 8pm (America/Los_Angeles)":  true,
		"5-hour limit reached ∙ resets 3pm":                         true,
		"Claude usage limit reached. Your limit will reset at 5pm.": true,
		"API Error: Request rejected (429) · fake failure 429":      false,
		"API Error: 500 fake failure 500":                           false,
		"the speed limit reached 50 km/h":                           false,
		"":                                                          false,
	} {
		if got := IsUsageLimit(text); got != want {
			t.Errorf("IsUsageLimit(%q) = %v, want %v", text, got, want)
		}
	}
}
