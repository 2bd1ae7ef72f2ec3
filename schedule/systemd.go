package schedule

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// OnCalendar is the schedule as systemd calendar expressions, one per
// OnCalendar= line; the timer elapses at their union. cron's rule for a
// day-of-month and a day-of-week both restricted (either matches) needs
// two: systemd requires both.
func (s *Spec) OnCalendar() []string {
	sc := s.sched
	clock := fmt.Sprintf("%s:%s:00", list(sc.Hour, 0, 23, "%02d", nil), list(sc.Minute, 0, 59, "%02d", nil))
	month := list(sc.Month, 1, 12, "%02d", nil)
	tz := ""
	if s.TZ != "" {
		tz = " " + s.TZ
	}
	days := list(sc.Dom, 1, 31, "%02d", nil)
	dows := list(sc.Dow, 0, 6, "", dayNames)
	date := func(dow, dom string) string {
		if dow == "*" {
			return fmt.Sprintf("*-%s-%s %s%s", month, dom, clock, tz)
		}
		return fmt.Sprintf("%s *-%s-%s %s%s", dow, month, dom, clock, tz)
	}
	if sc.Dom&starBit != 0 || sc.Dow&starBit != 0 {
		return []string{date(dows, days)} // both must match, as systemd does
	}
	return []string{date("*", days), date(dows, "*")}
}

// list writes the values of a field as systemd does: "*" for all, else
// a comma list with runs of three or more as a..b. Names, if given,
// replace the numbers (weekdays).
func list(field uint64, lo, hi int, format string, names []string) string {
	if full(field, lo, hi) {
		return "*"
	}
	vs := values(field, lo, hi)
	str := func(v int) string {
		if names != nil {
			return names[v]
		}
		return fmt.Sprintf(format, v)
	}
	var parts []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[j]+1 {
			j++
		}
		if j-i >= 2 {
			parts = append(parts, str(vs[i])+".."+str(vs[j]))
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, str(vs[k]))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// UnitMarker is the first line of every unit file ccq writes: remove
// deletes only files that start with it.
const UnitMarker = "# Written by `ccq schedule install`; `ccq schedule remove` deletes it. Do not edit: edit the task and install again."

// UnitName is the systemd unit name (without suffix) of a task:
// "ccq-" and the name escaped as systemd-escape does.
func UnitName(task string) string { return "ccq-" + systemdEscape(task) }

func systemdEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == ':', c == '.' && i > 0:
			b.WriteByte(c)
		case c == '/':
			b.WriteByte('-')
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}

// UserUnitDir is the systemd user unit directory:
// $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user.
func UserUnitDir(env map[string]string) string {
	base := env["XDG_CONFIG_HOME"]
	if base == "" || !filepath.IsAbs(base) {
		base = filepath.Join(env["HOME"], ".config")
	}
	return filepath.Join(base, "systemd", "user")
}

// execQuote quotes one ExecStart= argument: specifiers (%) and variables
// ($) are escaped, and anything with a space or quote is double-quoted.
func execQuote(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	a = strings.ReplaceAll(a, "$", "$$")
	if a != "" && !strings.ContainsAny(a, " \t\"'\\;") {
		return a
	}
	return strconv.Quote(a)
}

// pct escapes systemd's specifiers in a plain value.
func pct(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// SystemdUnits are the service and timer of a job.
func SystemdUnits(j Job) (service, timer string) {
	return systemdUnits(j, "ccq task "+j.Task, "schedule of ccq task "+j.Task+": "+j.Spec.String())
}

// WatchdogUnit is the unit name of the watchdog: no task's UnitName (a
// task name's leading "-" is escaped).
const WatchdogUnit = "ccq--watchdog"

// WatchdogUnits are the service and timer running `ccq check --schedules`
// on spec (install --watchdog).
func WatchdogUnits(p Paths, spec *Spec) (service, timer string) {
	j := Job{Spec: spec, Argv: p.WatchdogArgv(), Dir: p.Dir}
	return systemdUnits(j, "ccq schedule watchdog: ccq check --schedules", "ccq schedule watchdog: every "+spec.String())
}

func systemdUnits(j Job, desc, timerDesc string) (service, timer string) {
	args := make([]string, len(j.Argv))
	for i, a := range j.Argv {
		args[i] = execQuote(a)
	}
	service = UnitMarker + "\n" +
		"[Unit]\nDescription=" + pct(desc) + "\n\n" +
		"[Service]\nType=oneshot\n" +
		"WorkingDirectory=" + pct(j.Dir) + "\n" +
		"ExecStart=" + strings.Join(args, " ") + "\n" +
		"# ccq ends the run at its own --timeout; systemd does not cut it short.\n" +
		"TimeoutStartSec=infinity\n"
	var b strings.Builder
	b.WriteString(UnitMarker + "\n")
	fmt.Fprintf(&b, "[Unit]\nDescription=%s\n\n[Timer]\n", pct(timerDesc))
	for _, c := range j.Spec.OnCalendar() {
		b.WriteString("OnCalendar=" + c + "\n")
	}
	fmt.Fprintf(&b, "Persistent=%t\n", j.CatchUp)
	if j.Jitter > 0 {
		fmt.Fprintf(&b, "RandomizedDelaySec=%d\n", int64(j.Jitter/time.Second))
	}
	b.WriteString("# Start on the minute: ccq counts a run later than the grace as missed.\nAccuracySec=1s\n\n[Install]\nWantedBy=timers.target\n")
	return service, b.String()
}
