package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/fsutil"
)

// Plan is what install or remove does, for every backend: which entries,
// the paths it writes, and whether to only print.
type Plan struct {
	Jobs     []Job
	Remove   []string        // task names for remove; empty: all of ccq's
	CatchUp  map[string]bool // tasks (all known) with catch_up, for cron's @reboot line
	Watchdog time.Duration   // 0: keep what is there
	Paths    Paths
	DryRun   bool
	Out      io.Writer // what was done, or with DryRun what would be
}

// WatchdogSchedule is the cron fields of a watchdog every d: whole
// minutes dividing an hour, or whole hours dividing a day.
func WatchdogSchedule(d time.Duration) (string, error) {
	switch m := int(d / time.Minute); {
	case d%time.Minute != 0 || m < 1:
	case m < 60 && 60%m == 0:
		return fmt.Sprintf("*/%d * * * *", m), nil
	case m%60 == 0 && 24%(m/60) == 0:
		return fmt.Sprintf("0 */%d * * *", m/60), nil
	}
	return "", fmt.Errorf("watchdog every %v: want whole minutes that divide an hour (5m, 15m, 30m) or hours that divide a day (1h, 2h, 6h)", d)
}

// InstallCron writes the plan's entries into ccq's block of the crontab,
// leaving every other line as it is. Entries of tasks not in the plan
// stay, so installing one task after editing it changes only its line.
func InstallCron(c Crontab, p Plan) error {
	t, existed, err := readTable(c)
	if err != nil {
		return err
	}
	if !t.HasBlock {
		t.NewTable = !existed
	}
	for _, j := range p.Jobs {
		e, err := CronEntry(j)
		if err != nil {
			return err
		}
		t.Entries[TaskKey(j.Task)] = e
	}
	if p.Watchdog > 0 {
		fields, err := WatchdogSchedule(p.Watchdog)
		if err != nil {
			return err
		}
		t.Entries[KeyWatchdog] = [2]string{entryPrefix + KeyWatchdog + ": every " + shortDur(p.Watchdog) + ", fails on a missed slot",
			fields + "  " + CronCommand(p.Paths.Dir, p.Paths.WatchdogArgv())}
	}
	setCatchUp(t, p)
	return writeTable(c, t, existed, p)
}

// RemoveCron takes the plan's tasks (all when none is named) out of
// ccq's block; with none left, the block goes, and a crontab ccq created
// is deleted, so the table is byte for byte what it was before install.
func RemoveCron(c Crontab, p Plan) error {
	t, existed, err := readTable(c)
	if err != nil {
		return err
	}
	if !t.HasBlock {
		fmt.Fprintln(p.Out, "ccq: no ccq block in the crontab: nothing to remove")
		return nil
	}
	if len(p.Remove) == 0 {
		t.Entries = map[string][2]string{}
	}
	for _, task := range p.Remove {
		delete(t.Entries, TaskKey(task))
	}
	if len(t.Tasks()) == 0 {
		delete(t.Entries, KeyWatchdog)
	}
	setCatchUp(t, p)
	return writeTable(c, t, existed, p)
}

// setCatchUp keeps the @reboot entry in step with the tasks in the block
// that have catch_up.
func setCatchUp(t *CronTable, p Plan) {
	var tasks []string
	for _, task := range t.Tasks() {
		if p.CatchUp[task] {
			tasks = append(tasks, task)
		}
	}
	if len(tasks) == 0 {
		delete(t.Entries, KeyCatchUp)
		return
	}
	t.Entries[KeyCatchUp] = [2]string{entryPrefix + KeyCatchUp + ": after a reboot, runs once each task whose last slot was missed",
		"@reboot  " + CronCommand(p.Paths.Dir, p.Paths.CatchUpArgv(tasks))}
}

func readTable(c Crontab) (t *CronTable, existed bool, err error) {
	text, err := c.Read()
	existed = !errors.Is(err, ErrNoCrontab)
	if err != nil && existed {
		return nil, false, err
	}
	t, err = ParseCrontab(text)
	return t, existed, err
}

func writeTable(c Crontab, t *CronTable, existed bool, p Plan) error {
	text := t.Render()
	remove := len(t.Entries) == 0 && t.NewTable && len(bytes.TrimSpace(text)) == 0
	if p.DryRun {
		if remove {
			fmt.Fprintln(p.Out, "# ccq: would remove the crontab (crontab -r): ccq created it")
			return nil
		}
		fmt.Fprintln(p.Out, "# ccq: would install this crontab (crontab -):")
		_, err := p.Out.Write(text)
		return err
	}
	if remove {
		if !existed {
			return nil
		}
		if err := c.Remove(); err != nil {
			return err
		}
		fmt.Fprintln(p.Out, "ccq: removed the crontab ccq had created")
		return nil
	}
	if err := c.Write(text); err != nil {
		return err
	}
	fmt.Fprintf(p.Out, "ccq: crontab updated: %s in ccq's block\n", Count(len(t.Tasks()), "task"))
	return nil
}

// Systemctl runs `systemctl --user`; Bin is "" when there is no manager
// to talk to (then install writes the units and says what to run).
type Systemctl struct {
	Bin string
	Env []string
}

// ManagerReachable reports whether a systemd user manager answers for env:
// its private socket exists under $XDG_RUNTIME_DIR.
func ManagerReachable(env map[string]string) bool {
	rt := env["XDG_RUNTIME_DIR"]
	if rt == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(rt, "systemd", "private"))
	return err == nil && st.Mode()&os.ModeSocket != 0
}

func (s Systemctl) run(args ...string) error {
	cmd := exec.Command(s.Bin, append([]string{"--user"}, args...)...)
	cmd.Env = s.Env
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("systemctl --user %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(b)))
	}
	return nil
}

// InstallSystemd writes a service and a timer per job into dir, then
// reloads and enables the timers when a manager is reachable.
func InstallSystemd(dir string, sc Systemctl, p Plan) error {
	var timers []string
	if !p.DryRun {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	type unit struct{ name, service, timer string }
	var units []unit
	for _, j := range p.Jobs {
		svc, tmr := SystemdUnits(j)
		units = append(units, unit{UnitName(j.Task), svc, tmr})
	}
	if p.Watchdog > 0 {
		fields, err := WatchdogSchedule(p.Watchdog)
		if err != nil {
			return err
		}
		spec, err := Parse(fields)
		if err != nil {
			return err
		}
		svc, tmr := WatchdogUnits(p.Paths, spec)
		units = append(units, unit{WatchdogUnit, svc, tmr})
	}
	for _, u := range units {
		for _, f := range []struct{ name, text string }{{u.name + ".service", u.service}, {u.name + ".timer", u.timer}} {
			path := filepath.Join(dir, f.name)
			if err := checkOurs(path); err != nil {
				return err
			}
			if p.DryRun {
				fmt.Fprintf(p.Out, "# ccq: would write %s:\n%s", path, f.text)
				continue
			}
			if err := fsutil.WriteFileAtomic(path, []byte(f.text), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(p.Out, "ccq: wrote %s\n", path)
		}
		timers = append(timers, u.name+".timer")
	}
	if p.DryRun || len(timers) == 0 {
		return nil
	}
	if sc.Bin == "" {
		fmt.Fprintf(p.Out, "ccq: no systemd user manager is reachable here; where one runs, enable the timers with:\n  systemctl --user daemon-reload && systemctl --user enable --now %s\n", strings.Join(timers, " "))
		return nil
	}
	if err := sc.run("daemon-reload"); err != nil {
		return err
	}
	return sc.run(append([]string{"enable", "--now"}, timers...)...)
}

// checkOurs refuses to replace a file ccq did not write.
func checkOurs(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !bytes.Contains(b, []byte(UnitMarker)) && !bytes.Contains(b, []byte(strings.ReplaceAll(UnitMarker, "--", "-"))) {
		return fmt.Errorf("%s exists and was not written by ccq: leaving it; remove or rename it first", path)
	}
	return nil
}

// SystemdInstalled lists the tasks' units ccq wrote in dir, by unit
// name (ccq-<task>), read from the timers' descriptions.
func SystemdInstalled(dir string) map[string]string {
	out := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "ccq-") || !strings.HasSuffix(name, ".timer") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.HasPrefix(b, []byte(UnitMarker)) {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Description=schedule of ccq task "); ok {
				task, _, _ := strings.Cut(v, ": ")
				out[strings.ReplaceAll(task, "%%", "%")] = strings.TrimSuffix(name, ".timer")
			}
		}
	}
	return out
}

// RemoveSystemd disables and deletes the units of the plan's tasks (all
// of ccq's when none is named); a file ccq did not write is left.
func RemoveSystemd(dir string, sc Systemctl, p Plan) error {
	installed := SystemdInstalled(dir)
	var units []string
	for _, task := range p.Remove {
		unit := UnitName(task)
		if u, ok := installed[task]; ok {
			unit = u
		}
		units = append(units, unit)
	}
	if len(p.Remove) == 0 {
		for _, task := range slices.Sorted(maps.Keys(installed)) {
			units = append(units, installed[task])
		}
		units = append(units, WatchdogUnit)
	}
	var timers []string
	for _, unit := range units {
		for _, f := range []string{unit + ".timer", unit + ".service"} {
			path := filepath.Join(dir, f)
			if _, err := os.Lstat(path); err != nil {
				continue
			}
			if err := checkOurs(path); err != nil {
				return err
			}
			if f == unit+".timer" {
				timers = append(timers, f)
			}
			if p.DryRun {
				fmt.Fprintf(p.Out, "# ccq: would delete %s\n", path)
				continue
			}
			if sc.Bin != "" && f == unit+".timer" {
				if err := sc.run("disable", "--now", f); err != nil {
					return err
				}
			}
			if err := os.Remove(path); err != nil {
				return err
			}
			fmt.Fprintf(p.Out, "ccq: deleted %s\n", path)
		}
	}
	if len(timers) == 0 {
		fmt.Fprintf(p.Out, "ccq: no ccq units in %s: nothing to remove\n", dir)
		return nil
	}
	if !p.DryRun && sc.Bin != "" {
		return sc.run("daemon-reload")
	}
	return nil
}

// Count says n of a thing: "1 task", "3 tasks".
func Count(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// shortDur writes 15m rather than 15m0s.
func shortDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
