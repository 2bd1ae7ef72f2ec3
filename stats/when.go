package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseWhen reads a --since or --until value as unix milliseconds:
//
//   - an age: "7d", "24h", "90m", "2w", or any Go duration ("1h30m"),
//     meaning that long before now;
//   - a date "2026-03-01" (UTC): its start, or for until (exclusive) the
//     end of that day, so "--until 2026-03-01" includes March 1st;
//   - an RFC 3339 time.
func ParseWhen(s string, now time.Time, until bool) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty time")
	}
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		if v, err := strconv.ParseFloat(s[:n-1], 64); err == nil && v >= 0 {
			unit := 24 * time.Hour
			if s[n-1] == 'w' {
				unit *= 7
			}
			// Inf and ages past what a duration holds would wrap
			// around to a date in 1734.
			if math.IsInf(v, 0) || v*float64(unit) >= math.MaxInt64 {
				return 0, fmt.Errorf("age %q is too long: at most %d days", s, math.MaxInt64/int64(24*time.Hour))
			}
			return now.Add(-time.Duration(v * float64(unit))).UnixMilli(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UnixMilli(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if until {
			t = t.AddDate(0, 0, 1)
		}
		return t.UnixMilli(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), nil
	}
	return 0, fmt.Errorf("cannot read time %q: use an age (7d, 24h, 90m), a date (2026-03-01) or an RFC 3339 time", s)
}
