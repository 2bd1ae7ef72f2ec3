package schedule

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// needTool finds an external program: missing under CI=true is a
// failure, locally a skip naming what to install.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (CI): apt-get install --no-install-recommends %s", name, pkg)
		}
		t.Skipf("%s not found: apt-get install --no-install-recommends %s", name, pkg)
	}
	return p
}

// The expressions every backend test uses: descriptors, lists, ranges,
// steps, both day fields, time zones with DST.
var testExprs = []string{
	"* * * * *",
	"*/15 * * * *",
	"7 */2 * * *",
	"0 3 * * *",
	"@hourly",
	"@daily",
	"@weekly",
	"@monthly",
	"@yearly",
	"30 9 * * 1-5",
	"0 0 1 * 1",
	"0 0 */2 * 1",
	"15 8,12,18 1-7 * *",
	"0 6 * 1,4,7,10 0,6",
	"CRON_TZ=Europe/Berlin 30 2 * * *",
	"CRON_TZ=America/New_York 0 1 * * *",
	"TZ=Asia/Kolkata 45 23 * * 5",
}

var elapseRe = regexp.MustCompile(`(?m)^\s*(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$`)

// TestSystemdCalendarAgrees: for every test expression, from several base
// times (two of them around Berlin's DST changes), systemd-analyze calendar
// gives the same next elapses as Spec.Next: the OnCalendar= lines ccq
// writes fire when ccq expects the slots.
func TestSystemdCalendarAgrees(t *testing.T) {
	sa := needTool(t, "systemd-analyze", "systemd")
	bases := []time.Time{
		time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC),
	}
	const n = 6
	for _, expr := range testExprs {
		s := mustParse(t, expr)
		if s.TZ == "" {
			// The test machine's zone is whatever it is: pin UTC on both
			// sides, as systemd-analyze runs with TZ=UTC below.
			s = mustParse(t, "TZ=UTC "+expr)
		}
		for _, base := range bases {
			var got []string
			for _, cal := range s.OnCalendar() {
				cmd := exec.Command(sa, "calendar", "--iterations="+string(rune('0'+n)), "--base-time="+base.Format("2006-01-02 15:04:05")+" UTC", cal)
				cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("systemd-analyze calendar %q: %v\n%s", cal, err, out)
				}
				for _, m := range elapseRe.FindAllStringSubmatch(string(out), -1) {
					got = append(got, m[1])
				}
			}
			sort.Strings(got)
			got = dedupe(got)
			if len(got) > n {
				got = got[:n]
			}
			var want []string
			for t := s.Next(base); len(want) < n && !t.IsZero(); t = s.Next(t) {
				want = append(want, t.UTC().Format("2006-01-02 15:04:05"))
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%q from %v: OnCalendar=%q\nsystemd: %v\nccq:     %v", expr, base, s.OnCalendar(), got, want)
			}
		}
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// TestSystemdVerify: the units pass systemd-analyze verify (unknown keys,
// a bad OnCalendar=, a missing ExecStart binary would be reported).
func TestSystemdVerify(t *testing.T) {
	sa := needTool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	env := verifyEnv(t)
	ccq := filepath.Join(dir, "bin dir", "ccq")
	if err := os.MkdirAll(filepath.Dir(ccq), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ccq, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := Paths{CCQ: ccq, LogsDir: "/srv/p 1/logs/scheduler", TasksDir: "/srv/p 1/tasks", Claude: "/usr/bin/claude", Dir: "/srv/p 1"}
	for i, expr := range testExprs {
		task := []string{"nightly", "weekly report", "a%b$c", "ünï"}[i%4]
		j := Job{Task: task, Spec: mustParse(t, expr), CatchUp: i%2 == 0, Argv: p.LaunchArgv(task), Dir: p.Dir}
		if i%3 == 0 {
			j.Jitter = 5 * time.Minute
		}
		svc, tmr := SystemdUnits(j)
		if i == len(testExprs)-1 {
			task = "-watchdog"
			svc, tmr = WatchdogUnits(p, mustParse(t, "*/15 * * * *"))
		}
		unitDir := filepath.Join(dir, "units", UnitName(task)+"-"+string(rune('a'+i)))
		if err := os.MkdirAll(unitDir, 0o755); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(unitDir, UnitName(task))
		os.WriteFile(name+".service", []byte(svc), 0o644)
		os.WriteFile(name+".timer", []byte(tmr), 0o644)
		cmd := exec.Command(sa, "verify", "--user", "--man=no", name+".timer", name+".service")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("%q: systemd-analyze verify: %v\n%s\n--- timer\n%s--- service\n%s", expr, err, out, tmr, svc)
		}
	}
}

// TestSystemdVerifyCatchesBadUnits: the verify above can fail: a unit
// naming a binary that does not exist is reported.
func TestSystemdVerifyCatchesBadUnits(t *testing.T) {
	sa := needTool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	j := Job{Task: "x", Spec: mustParse(t, "@daily"), Argv: []string{"/nonexistent/ccq", "launch", "x"}, Dir: "/"}
	svc, tmr := SystemdUnits(j)
	os.WriteFile(filepath.Join(dir, "ccq-x.service"), []byte(svc), 0o644)
	os.WriteFile(filepath.Join(dir, "ccq-x.timer"), []byte(tmr), 0o644)
	cmd := exec.Command(sa, "verify", "--user", "--man=no", filepath.Join(dir, "ccq-x.timer"), filepath.Join(dir, "ccq-x.service"))
	cmd.Env = verifyEnv(t)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "/nonexistent/ccq") {
		t.Errorf("systemd-analyze verify accepted a missing binary: %s", out)
	}
}

// verifyEnv is an environment for systemd-analyze verify --user without a
// user manager: it still wants an $XDG_RUNTIME_DIR.
func verifyEnv(t *testing.T) []string {
	rt := t.TempDir()
	if err := os.Chmod(rt, 0o700); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "XDG_RUNTIME_DIR="+rt, "SYSTEMD_LOG_LEVEL=warning")
}
