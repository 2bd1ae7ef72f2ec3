package schedule

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeCrontab is testdata/fake-crontab over a file in a temp dir.
func fakeCrontab(t *testing.T) (Crontab, string) {
	t.Helper()
	bin, err := filepath.Abs("testdata/fake-crontab")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "crontab")
	return Crontab{Bin: bin, Env: []string{"PATH=/usr/bin:/bin", "CRONTAB_FILE=" + file}}, file
}

var testPaths = Paths{CCQ: "/opt/ccq/bin/ccq", LogsDir: "/home/me/project/logs/scheduler", TasksDir: "/home/me/project/tasks",
	Claude: "/home/me/.local/bin/claude", Dir: "/home/me/project"}

func job(t *testing.T, task, expr string) Job {
	return Job{Task: task, Spec: mustParse(t, expr), CatchUp: true, Argv: testPaths.LaunchArgv(task), Dir: testPaths.Dir}
}

// TestCronRoundTrip: install into a crontab holding the user's own lines
// (one without a final newline would not be accepted by crontab(1), so
// all end in one), update one task, remove: every step keeps the user's
// lines byte for byte, and remove restores the table exactly.
func TestCronRoundTrip(t *testing.T) {
	for _, before := range []string{
		"",
		"MAILTO=me@example.com\n# my jobs\n0 5 * * *  /usr/local/bin/backup   --fast\n\n",
		"# only a comment, no newline issues\n@reboot echo hi % there\n",
	} {
		ct, file := fakeCrontab(t)
		if before != "" {
			if err := os.WriteFile(file, []byte(before), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cu := map[string]bool{"nightly": true, "weekly": true}
		p := Plan{Jobs: []Job{job(t, "nightly", "0 3 * * *"), job(t, "weekly", "@weekly")}, CatchUp: cu, Paths: testPaths, Out: io.Discard}
		if err := InstallCron(ct, p); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(file)
		if !bytes.HasPrefix(got, []byte(before)) || bytes.Count(got, []byte("\n# ccq task ")) != 2 || !bytes.Contains(got, []byte("\n@reboot  cd /home/me/project && exec /opt/ccq/bin/ccq schedule catch-up")) {
			t.Fatalf("after install:\n%s", got)
		}
		// Installing again changes nothing; editing one task changes
		// only its two lines (comment and entry).
		first := string(got)
		p.Jobs = []Job{job(t, "nightly", "0 3 * * *")}
		InstallCron(ct, p)
		if got, _ := os.ReadFile(file); string(got) != first {
			t.Errorf("a second install changed the crontab:\n%s\nwas\n%s", got, first)
		}
		p.Jobs = []Job{job(t, "nightly", "15 4 * * *")}
		InstallCron(ct, p)
		got, _ = os.ReadFile(file)
		if d := lineDiff(first, string(got)); len(d) != 4 || d[1] != "# ccq task nightly: 15 4 * * *" || !strings.HasPrefix(d[3], "15 4 * * *  cd /home/me/project && exec /opt/ccq/bin/ccq launch") {
			t.Errorf("editing nightly changed %q", d)
		}
		// Remove one, then all.
		if err := RemoveCron(ct, Plan{Remove: []string{"weekly"}, CatchUp: cu, Paths: testPaths, Out: io.Discard}); err != nil {
			t.Fatal(err)
		}
		got, _ = os.ReadFile(file)
		if bytes.Contains(got, []byte("weekly")) || !bytes.Contains(got, []byte("nightly")) {
			t.Errorf("after removing weekly:\n%s", got)
		}
		if err := RemoveCron(ct, Plan{CatchUp: cu, Paths: testPaths, Out: io.Discard}); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(file)
		switch {
		case before == "" && !errors.Is(err, os.ErrNotExist):
			t.Errorf("no crontab before install, after remove: %q, %v", got, err)
		case before != "" && string(got) != before:
			t.Errorf("after remove:\n%q\nwant\n%q", got, before)
		}
	}
}

// lineDiff is the lines of a then b that differ, position by position.
func lineDiff(a, b string) []string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			out = append(out, la[i], lb[i])
		}
	}
	return out
}

// TestCronKeepsHandEdits: lines the user added after the block, and a
// hand-edited entry inside it, survive an install of another task.
func TestCronKeepsHandEdits(t *testing.T) {
	ct, file := fakeCrontab(t)
	p := Plan{Jobs: []Job{job(t, "a", "@daily")}, Paths: testPaths, Out: io.Discard}
	InstallCron(ct, p)
	b, _ := os.ReadFile(file)
	b = append(b, "*/5 * * * *  date >/tmp/x\n"...)
	os.WriteFile(file, b, 0o600)
	p.Jobs = []Job{job(t, "b", "@hourly")}
	InstallCron(ct, p)
	got, _ := os.ReadFile(file)
	if !bytes.HasSuffix(got, []byte("# END ccq schedule\n*/5 * * * *  date >/tmp/x\n")) || !bytes.Contains(got, []byte("# ccq task a: @daily\n")) {
		t.Errorf("crontab:\n%s", got)
	}
}

func TestCronCannotExpress(t *testing.T) {
	ct, file := fakeCrontab(t)
	zone := "Pacific/Chatham"
	if time.Local.String() == zone {
		zone = "Asia/Kolkata"
	}
	err := InstallCron(ct, Plan{Jobs: []Job{job(t, "a", "CRON_TZ="+zone+" 0 3 * * *")}, Paths: testPaths, Out: io.Discard})
	if !errors.Is(err, ErrCannotExpress) || !strings.Contains(err.Error(), "use --backend systemd") {
		t.Errorf("install with a foreign zone: %v", err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused install wrote a crontab")
	}
	if _, err := ParseCrontab([]byte("# BEGIN ccq schedule: x\n0 3 * * * y\n")); err == nil {
		t.Errorf("a block with no END line parsed")
	}
}

func TestCronCommandQuoting(t *testing.T) {
	got := CronCommand("/srv/my project", []string{"/opt/ccq", "launch", "it's 100%"})
	want := `cd '/srv/my project' && exec /opt/ccq launch 'it'\''s 100\%'`
	if got != want {
		t.Errorf("CronCommand = %s\nwant          %s", got, want)
	}
}

func TestWatchdogSchedule(t *testing.T) {
	for d, want := range map[time.Duration]string{15 * time.Minute: "*/15 * * * *", time.Hour: "0 */1 * * *", 6 * time.Hour: "0 */6 * * *", 7 * time.Minute: "", 90 * time.Second: ""} {
		got, err := WatchdogSchedule(d)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%v: %q, %v; want %q", d, got, err, want)
		}
	}
}
