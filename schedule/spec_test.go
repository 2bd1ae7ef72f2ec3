package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, expr string) *Spec {
	t.Helper()
	s, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return s
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ expr, want string }{
		{"", "empty schedule"},
		{"61 * * * *", "end of range (61) above maximum (59)"},
		{"* * * *", "has 4 fields: want 5"},
		{"0 0 0 * * *", "has 6 fields"},
		{"@every 5m", "@every is not a calendar schedule"},
		{"@fortnightly", `unknown descriptor "@fortnightly"`},
		{"CRON_TZ=Mars/Olympus 0 3 * * *", `unknown time zone "Mars/Olympus"`},
		{"0 0 30 2 *", "never fires"},
		{"0 ? * * *", `"?" is not standard cron`},
	} {
		_, err := Parse(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.expr, err, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for expr, want := range map[string]string{
		"* * * * *":                         "every minute",
		"*/15 * * * *":                      "every 15 minutes",
		"@hourly":                           "hourly at :00",
		"CRON_TZ=Europe/Berlin 0 3 * * *":   "daily at 03:00 (Europe/Berlin)",
		"TZ=America/New_York 30 6,18 * * *": "daily at 06:30, 18:30 (America/New_York)",
		"0 9 * * 1-5":                       "weekdays at 09:00",
		"@weekly":                           "weekly on Sun at 00:00",
		"@monthly":                          "monthly on day 1 at 00:00",
		"@yearly":                           "yearly on Jan 1 at 00:00",
		"0 0 1 * 1":                         "cron 0 0 1 * 1",
		"7 */2 * * *":                       "cron 7 */2 * * *",
	} {
		if got := mustParse(t, expr).Describe(); got != want {
			t.Errorf("%q: Describe() = %q, want %q", expr, got, want)
		}
	}
}

func TestDefaultGrace(t *testing.T) {
	for expr, want := range map[string]time.Duration{
		"* * * * *":    MinGrace,         // a quarter minute, raised to the minimum
		"*/20 * * * *": 5 * time.Minute,  // a quarter of 20m
		"@hourly":      15 * time.Minute, // a quarter of an hour
		"@daily":       MaxGrace,         // capped
		"0 9,10 * * *": 15 * time.Minute, // the shortest gap counts
	} {
		if got := mustParse(t, expr).DefaultGrace(); got != want {
			t.Errorf("%q: DefaultGrace() = %v, want %v", expr, got, want)
		}
	}
}

// TestDSTBerlin: a 02:30 daily slot in Europe/Berlin. On the spring-forward
// day (2026-03-29, 02:00 → 03:00) 02:30 does not exist: robfig/cron has no
// slot that day, as systemd (see TestSystemdCalendarAgrees). On the autumn
// day (2026-10-25, 03:00 → 02:00) 02:30 happens twice: one slot, the
// first, where robfig/cron alone would give two.
func TestDSTBerlin(t *testing.T) {
	s := mustParse(t, "CRON_TZ=Europe/Berlin 30 2 * * *")
	utc := func(d string) time.Time {
		v, err := time.Parse(time.RFC3339, d)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	got := s.Slots(utc("2026-03-27T12:00:00Z"), utc("2026-03-31T12:00:00Z"), 0)
	want := []string{"2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"}
	checkSlots(t, "spring", got, want)
	got = s.Slots(utc("2026-10-24T12:00:00Z"), utc("2026-10-26T12:00:00Z"), 0)
	want = []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}
	checkSlots(t, "autumn", got, want)
	// Asked from inside the repeated hour, the repeat is still no slot.
	if n := s.Next(utc("2026-10-25T00:45:00Z")); !n.Equal(utc("2026-10-26T01:30:00Z")) {
		t.Errorf("Next from inside the repeated hour = %v, want the next day's", n.UTC())
	}
}

func checkSlots(t *testing.T, name string, got []time.Time, want []string) {
	t.Helper()
	var g []string
	for _, s := range got {
		g = append(g, s.UTC().Format(time.RFC3339))
	}
	if strings.Join(g, " ") != strings.Join(want, " ") {
		t.Errorf("%s: slots %v, want %v", name, g, want)
	}
}

// TestDayOrRule: cron runs a job when either restricted day field
// matches, and a field starting with * (even */2) is a wildcard.
func TestDayOrRule(t *testing.T) {
	s := mustParse(t, "TZ=UTC 0 0 1 * 1")               // the 1st, or a Monday
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) // a Monday, the 1st
	checkSlots(t, "dom or dow", s.Slots(from.Add(-time.Second), from.AddDate(0, 0, 15), 0),
		[]string{"2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z", "2026-06-15T00:00:00Z"})
	s = mustParse(t, "TZ=UTC 0 0 */2 * 1") // odd days that are Mondays, as cron(8) reads it
	checkSlots(t, "*/2 and dow", s.Slots(from.Add(-time.Second), from.AddDate(0, 0, 31), 0),
		[]string{"2026-06-01T00:00:00Z", "2026-06-15T00:00:00Z", "2026-06-29T00:00:00Z"})
}

func TestSlotsCap(t *testing.T) {
	s := mustParse(t, "TZ=UTC * * * * *")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := s.Slots(from, from.Add(10*time.Hour), 100)
	if len(got) != 100 || !got[99].Equal(from.Add(10*time.Hour)) {
		t.Errorf("capped slots: %d, last %v; want the newest 100", len(got), got[len(got)-1])
	}
}
