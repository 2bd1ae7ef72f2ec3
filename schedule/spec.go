// Package schedule is ccq's side of scheduling: a task's `schedule:` parsed
// into due slots, the slots the history shows were missed, and the entries
// that make the machine's own scheduler (systemd timers, cron, launchd)
// run `ccq launch`. ccq never runs a daemon of its own: it declares,
// installs and watches.
package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// The cron fields of a Spec, standard 5-field: minute hour day-of-month
// month day-of-week. Descriptors are rewritten to them, so every backend
// sees the same five fields.
var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// starBit is robfig/cron's mark of a field written as "*" (a wildcard for
// the day-of-month/day-of-week rule).
const starBit = 1 << 63

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Spec is a parsed `schedule:` value.
type Spec struct {
	Expr   string         // as written
	Fields [5]string      // minute hour dom month dow, descriptors expanded
	TZ     string         // CRON_TZ= or TZ= name; "" for the system's zone
	Loc    *time.Location // TZ's location, or time.Local
	sched  *cron.SpecSchedule
}

// Parse reads a schedule: a standard 5-field cron expression or a
// descriptor (@hourly, @daily, @weekly, @monthly, @yearly, @annually,
// @midnight), optionally after CRON_TZ=Area/City (or TZ=). @every is
// refused: no system scheduler can run it as written.
func Parse(expr string) (*Spec, error) {
	s := &Spec{Expr: expr, Loc: time.Local}
	rest := strings.TrimSpace(expr)
	if rest == "" {
		return nil, errors.New("empty schedule: want a cron expression such as \"0 3 * * *\" or @daily")
	}
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if v, ok := strings.CutPrefix(rest, p); ok {
			name, after, _ := strings.Cut(v, " ")
			loc, err := time.LoadLocation(name)
			if err != nil || name == "" || name == "Local" {
				return nil, fmt.Errorf("unknown time zone %q in %q: want an IANA name such as Europe/Berlin", name, p+name)
			}
			s.TZ, s.Loc, rest = name, loc, strings.TrimSpace(after)
			break
		}
	}
	if strings.HasPrefix(rest, "@every") {
		return nil, fmt.Errorf("%q: @every is not a calendar schedule cron, systemd or launchd can run; write it as cron fields (*/15 * * * *)", rest)
	}
	if strings.HasPrefix(rest, "@") {
		d, ok := descriptors[strings.ToLower(rest)]
		if !ok {
			return nil, fmt.Errorf("unknown descriptor %q: want @hourly, @daily, @weekly, @monthly or @yearly", rest)
		}
		rest = d
	}
	f := strings.Fields(rest)
	if len(f) != 5 {
		return nil, fmt.Errorf("%q has %d fields: want 5 (minute hour day-of-month month day-of-week) or a descriptor such as @daily", rest, len(f))
	}
	for _, x := range f {
		if strings.HasPrefix(x, "?") {
			return nil, fmt.Errorf("%q: \"?\" is not standard cron; use *", rest)
		}
	}
	copy(s.Fields[:], f)
	sch, err := parser.Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", rest, err)
	}
	spec := sch.(*cron.SpecSchedule)
	// cron(8) treats a day field that starts with "*" (also "*/2") as a
	// wildcard for its day-of-month OR day-of-week rule; robfig does so
	// only without a step. Follow cron, which runs the entries.
	if strings.HasPrefix(f[2], "*") {
		spec.Dom |= starBit
	}
	if strings.HasPrefix(f[4], "*") {
		spec.Dow |= starBit
	}
	spec.Location = s.Loc
	s.sched = spec
	probe := time.Date(2025, 1, 1, 0, 0, 0, 0, s.Loc)
	if spec.Next(probe).IsZero() && spec.Next(probe.AddDate(4, 0, 0)).IsZero() {
		return nil, fmt.Errorf("%q never fires (no such date)", rest)
	}
	return s, nil
}

// String is the schedule as written, trimmed.
func (s *Spec) String() string { return strings.TrimSpace(s.Expr) }

// CronFields is the five fields joined by spaces.
func (s *Spec) CronFields() string { return strings.Join(s.Fields[:], " ") }

// Next is the first slot after t, skipping the second occurrence of a
// wall-clock time repeated when the clocks go back (see IsRepeat). It is
// the zero time when there is none within years.
func (s *Spec) Next(t time.Time) time.Time {
	for range 8 {
		n := s.sched.Next(t)
		if n.IsZero() || !s.isRepeat(n) {
			return n
		}
		t = n
	}
	return time.Time{}
}

// isRepeat reports whether slot t's wall-clock time already happened a
// little earlier (autumn's repeated hour): robfig/cron fires such a slot
// twice; cron(8) and systemd fire it once, so it is one slot, the first.
func (s *Spec) isRepeat(t time.Time) bool {
	lt := t.In(s.Loc)
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		e := t.Add(-d).In(s.Loc)
		if e.Hour() == lt.Hour() && e.Minute() == lt.Minute() && e.Day() == lt.Day() {
			return true
		}
	}
	return false
}

// Slots are the slots in (from, to], oldest first, at most max of the
// newest when max > 0.
func (s *Spec) Slots(from, to time.Time, max int) []time.Time {
	var out []time.Time
	for t := s.Next(from); !t.IsZero() && !t.After(to); t = s.Next(t) {
		out = append(out, t)
		if max > 0 && len(out) > 2*max {
			out = append(out[:0], out[len(out)-max:]...)
		}
	}
	if max > 0 && len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

// Previous is the latest slot at or before t, zero when none is found
// within lookback.
func (s *Spec) Previous(t time.Time, lookback time.Duration) time.Time {
	sl := s.Slots(t.Add(-lookback), t, 1)
	if len(sl) == 0 {
		return time.Time{}
	}
	return sl[0]
}

// MinGap is the smallest time between two consecutive slots over two
// years from a fixed date (so it does not change with the day asked).
func (s *Spec) MinGap() time.Duration {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, s.Loc)
	end := start.AddDate(2, 0, 0)
	gap := time.Duration(1<<63 - 1)
	prev := s.Next(start)
	for i := 0; i < 2000 && !prev.IsZero() && prev.Before(end); i++ {
		n := s.Next(prev)
		if n.IsZero() {
			break
		}
		gap = min(gap, n.Sub(prev))
		prev = n
	}
	return gap
}

// Grace bounds.
const (
	MinGrace = time.Minute
	MaxGrace = time.Hour
)

// DefaultGrace is how late a run may start before its slot counts as
// missed when the task does not say: a quarter of the shortest gap
// between slots, at least MinGrace and at most MaxGrace.
func (s *Spec) DefaultGrace() time.Duration {
	return min(max(s.MinGap()/4, MinGrace), MaxGrace)
}
