package schedule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// plist is the structure of a property list, read back generically.
type plistNode struct {
	XMLName xml.Name
	Text    string      `xml:",chardata"`
	Nodes   []plistNode `xml:",any"`
}

// value turns a plist node into Go values: dict → map, array → slice,
// string → string, integer → int.
func (n plistNode) value(t *testing.T) any {
	switch n.XMLName.Local {
	case "dict":
		m := map[string]any{}
		for i := 0; i+1 < len(n.Nodes); i += 2 {
			m[n.Nodes[i].Text] = n.Nodes[i+1].value(t)
		}
		return m
	case "array":
		var a []any
		for _, c := range n.Nodes {
			a = append(a, c.value(t))
		}
		return a
	case "integer":
		v, err := strconv.Atoi(n.Text)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return n.Text
}

func readPlist(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var root plistNode
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("plist does not parse: %v\n%s", err, b)
	}
	if root.XMLName.Local != "plist" || len(root.Nodes) != 1 {
		t.Fatalf("not a plist: %s", b)
	}
	return root.Nodes[0].value(t).(map[string]any)
}

func TestLaunchdPlist(t *testing.T) {
	tests := []struct {
		expr string
		want []any
	}{
		{"0 3 * * *", []any{map[string]any{"Hour": 3, "Minute": 0}}},
		{"30 9 * * 1,5", []any{map[string]any{"Hour": 9, "Minute": 30, "Weekday": 1}, map[string]any{"Hour": 9, "Minute": 30, "Weekday": 5}}},
		{"@monthly", []any{map[string]any{"Day": 1, "Hour": 0, "Minute": 0}}},
		// cron's either-day rule: the 1st, or any Monday.
		{"0 0 1 * 1", []any{map[string]any{"Day": 1, "Hour": 0, "Minute": 0}, map[string]any{"Hour": 0, "Minute": 0, "Weekday": 1}}},
		{"* * * * *", []any{map[string]any{}}},
	}
	for _, tt := range tests {
		j := job(t, "a <b> & 'c'", tt.expr)
		b, err := LaunchdPlist(j)
		if err != nil {
			t.Fatal(err)
		}
		p := readPlist(t, b)
		if p["Label"] != `dev.ccq.task.a\x20\x3cb\x3e\x20\x26\x20\x27c\x27` || p["WorkingDirectory"] != testPaths.Dir {
			t.Errorf("%q: label %v, dir %v", tt.expr, p["Label"], p["WorkingDirectory"])
		}
		var args []string
		for _, a := range p["ProgramArguments"].([]any) {
			args = append(args, a.(string))
		}
		if !reflect.DeepEqual(args, j.Argv) {
			t.Errorf("ProgramArguments %q, want %q", args, j.Argv)
		}
		if got := p["StartCalendarInterval"]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: StartCalendarInterval %v, want %v", tt.expr, got, tt.want)
		}
		if got := plistTask(b); got != j.Task {
			t.Errorf("plistTask = %q", got)
		}
	}
	if _, err := LaunchdPlist(job(t, "a", "CRON_TZ=Europe/Berlin 0 3 * * *")); !errors.Is(err, ErrCannotExpress) {
		t.Errorf("a time zone: %v", err)
	}
	if _, err := LaunchdPlist(job(t, "a", "*/2 */2 1-20 * *")); !errors.Is(err, ErrCannotExpress) {
		t.Errorf("thousands of intervals: %v", err)
	}
}

// TestLaunchdAndSystemdRoundTrip: install then remove leaves the folder
// as it was (a file of the user's included); a file of the same name ccq
// did not write is refused, not replaced.
func TestLaunchdAndSystemdRoundTrip(t *testing.T) {
	for _, b := range []string{BackendLaunchd, BackendSystemd} {
		dir := t.TempDir()
		mine := filepath.Join(dir, "mine.timer")
		os.WriteFile(mine, []byte("[Timer]\n"), 0o644)
		os.Symlink("/etc/passwd", filepath.Join(dir, "link.service"))
		before := snapshot(t, dir)
		p := Plan{Jobs: []Job{job(t, "n", "@daily"), job(t, "m", "@hourly")}, Paths: testPaths, Out: io.Discard}
		install := func() error {
			if b == BackendLaunchd {
				return InstallLaunchd(dir, p)
			}
			return InstallSystemd(dir, Systemctl{}, p)
		}
		if err := install(); err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != map[string]int{BackendLaunchd: 4, BackendSystemd: 6}[b] {
			t.Errorf("%s: %d files after install", b, len(ents))
		}
		var out bytes.Buffer
		rp := Plan{Out: &out}
		if b == BackendLaunchd {
			if got := LaunchdInstalled(dir); len(got) != 2 {
				t.Errorf("installed: %v", got)
			}
			RemoveLaunchd(dir, rp)
		} else {
			if got := SystemdInstalled(dir); len(got) != 2 || got["n"] != "ccq-n" {
				t.Errorf("installed: %v", got)
			}
			RemoveSystemd(dir, Systemctl{}, rp)
		}
		if after := snapshot(t, dir); after != before {
			t.Errorf("%s: after remove:\n%s\nwant\n%s\n%s", b, after, before, out.String())
		}
		name := map[string]string{BackendLaunchd: LaunchdLabel("n") + ".plist", BackendSystemd: "ccq-n.timer"}[b]
		os.WriteFile(filepath.Join(dir, name), []byte("the user's own\n"), 0o644)
		if err := install(); err == nil || !strings.Contains(err.Error(), "not written by ccq") {
			t.Errorf("%s: install over a user's file: %v", b, err)
		}
	}
}

// snapshot is every entry of dir: name, mode, content or link target.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + " " + fi.Mode().String())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			b.WriteString(" -> " + l)
		case fi.Mode().IsRegular():
			c, _ := os.ReadFile(p)
			b.WriteString(" " + strconv.Quote(string(c)))
		}
		b.WriteString("\n")
		return nil
	})
	return b.String()
}
