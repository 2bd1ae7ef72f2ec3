package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

var dayNames = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
var monthNames = []string{"", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// values lists the set bits of a robfig field in [lo, hi].
func values(field uint64, lo, hi int) []int {
	var out []int
	for v := lo; v <= hi; v++ {
		if field&(1<<uint(v)) != 0 {
			out = append(out, v)
		}
	}
	return out
}

// full reports whether field holds every value of [lo, hi].
func full(field uint64, lo, hi int) bool {
	return bits.OnesCount64(field&^starBit) == hi-lo+1
}

// Describe is the schedule in a few words for `ccq schedule list`:
// "daily at 03:00 (Europe/Berlin)", "hourly at :15", "every 15 minutes",
// falling back to the cron fields when no short form fits.
func (s *Spec) Describe() string {
	d := s.describe()
	if s.TZ != "" {
		d += " (" + s.TZ + ")"
	}
	return d
}

func (s *Spec) describe() string {
	sc := s.sched
	mins, hours := values(sc.Minute, 0, 59), values(sc.Hour, 0, 23)
	allDays := sc.Dom&starBit != 0 && sc.Dow&starBit != 0 && full(sc.Month, 1, 12)
	if allDays && full(sc.Hour, 0, 23) {
		switch {
		case len(mins) == 60:
			return "every minute"
		case len(mins) == 1:
			return fmt.Sprintf("hourly at :%02d", mins[0])
		case evenStep(mins, 60) > 0:
			return fmt.Sprintf("every %d minutes", evenStep(mins, 60))
		}
	}
	if len(mins) != 1 || len(hours) < 1 || len(hours) > 3 {
		return "cron " + s.CronFields()
	}
	at := make([]string, len(hours))
	for i, h := range hours {
		at[i] = fmt.Sprintf("%02d:%02d", h, mins[0])
	}
	when := "at " + strings.Join(at, ", ")
	doms, dows, months := values(sc.Dom, 1, 31), values(sc.Dow, 0, 6), values(sc.Month, 1, 12)
	domStar, dowStar := sc.Dom&starBit != 0, sc.Dow&starBit != 0
	switch {
	case allDays:
		return "daily " + when
	case domStar && full(sc.Month, 1, 12) && len(dows) == 5 && dows[0] == 1 && dows[4] == 5:
		return "weekdays " + when
	case domStar && full(sc.Month, 1, 12):
		return "weekly on " + names(dows, dayNames) + " " + when
	case dowStar && len(doms) == 1 && full(sc.Month, 1, 12):
		return "monthly on day " + strconv.Itoa(doms[0]) + " " + when
	case dowStar && len(doms) == 1 && len(months) == 1:
		return fmt.Sprintf("yearly on %s %d %s", monthNames[months[0]], doms[0], when)
	}
	return "cron " + s.CronFields()
}

func names(vs []int, n []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = n[v]
	}
	return strings.Join(out, ",")
}

// evenStep is n when vs are 0, n, 2n… covering period evenly, else 0.
func evenStep(vs []int, period int) int {
	if len(vs) < 2 || vs[0] != 0 {
		return 0
	}
	n := vs[1] - vs[0]
	if period%n != 0 || len(vs) != period/n {
		return 0
	}
	for i, v := range vs {
		if v != i*n {
			return 0
		}
	}
	return n
}
