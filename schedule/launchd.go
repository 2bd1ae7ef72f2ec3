package schedule

import (
	"bytes"
	"fmt"
	"html"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ccq-dev/ccq/internal/fsutil"
)

// launchd (macOS): one property list per task in ~/Library/LaunchAgents.
// Built and tested structurally on Linux; launchd itself is not run here.

// LaunchdLabel is the job label (and file name without .plist) of a task.
func LaunchdLabel(task string) string { return "dev.ccq.task." + systemdEscape(task) }

// LaunchAgentsDir is ~/Library/LaunchAgents of env's HOME.
func LaunchAgentsDir(env map[string]string) string {
	return filepath.Join(env["HOME"], "Library", "LaunchAgents")
}

// maxIntervals bounds StartCalendarInterval: launchd takes one dict per
// combination of the restricted fields.
const maxIntervals = 1000

// CalendarIntervals is the schedule as launchd StartCalendarInterval
// dicts (keys Minute, Hour, Day, Month, Weekday; a missing key matches
// any value). launchd runs in the system's zone and has no jitter.
func (s *Spec) CalendarIntervals() ([]map[string]int, error) {
	if s.TZ != "" {
		return nil, fmt.Errorf("schedule %q: %w by launchd, which runs in the system's time zone", s.String(), ErrCannotExpress)
	}
	sc := s.sched
	type field struct {
		key    string
		bits   uint64
		lo, hi int
	}
	base := []field{{"Minute", sc.Minute, 0, 59}, {"Hour", sc.Hour, 0, 23}, {"Month", sc.Month, 1, 12}}
	dom, dow := field{"Day", sc.Dom, 1, 31}, field{"Weekday", sc.Dow, 0, 6}
	var sets [][]field
	if sc.Dom&starBit != 0 || sc.Dow&starBit != 0 {
		sets = [][]field{append(base, dom, dow)} // both must match (a full one is left out)
	} else { // cron's either-day rule: the union of both
		sets = [][]field{append(append([]field{}, base...), dom), append(base, dow)}
	}
	var out []map[string]int
	for _, fs := range sets {
		combos := []map[string]int{{}}
		for _, f := range fs {
			if full(f.bits, f.lo, f.hi) {
				continue
			}
			var next []map[string]int
			for _, c := range combos {
				for _, v := range values(f.bits, f.lo, f.hi) {
					m := map[string]int{f.key: v}
					for k, x := range c {
						m[k] = x
					}
					next = append(next, m)
				}
			}
			if combos = next; len(combos) > maxIntervals {
				return nil, fmt.Errorf("schedule %q: %w by launchd in under %d calendar intervals", s.String(), ErrCannotExpress, maxIntervals)
			}
		}
		out = append(out, combos...)
	}
	return out, nil
}

// LaunchdPlist is the property list of a job.
func LaunchdPlist(j Job) ([]byte, error) {
	ivs, err := j.Spec.CalendarIntervals()
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", j.Task, err)
	}
	if j.Jitter > 0 {
		return nil, fmt.Errorf("task %s: jitter: %w by launchd", j.Task, ErrCannotExpress)
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<!-- " + strings.ReplaceAll(UnitMarker, "--", "-") + " -->\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	kv := func(k, v string) {
		fmt.Fprintf(&b, "\t<key>%s</key>\n\t<string>%s</string>\n", k, esc(v))
	}
	kv("Label", LaunchdLabel(j.Task))
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range j.Argv {
		fmt.Fprintf(&b, "\t\t<string>%s</string>\n", esc(a))
	}
	b.WriteString("\t</array>\n")
	kv("WorkingDirectory", j.Dir)
	b.WriteString("\t<key>StartCalendarInterval</key>\n\t<array>\n")
	for _, iv := range ivs {
		b.WriteString("\t\t<dict>\n")
		for _, k := range slices.Sorted(maps.Keys(iv)) {
			fmt.Fprintf(&b, "\t\t\t<key>%s</key>\n\t\t\t<integer>%d</integer>\n", k, iv[k])
		}
		b.WriteString("\t\t</dict>\n")
	}
	b.WriteString("\t</array>\n</dict>\n</plist>\n")
	return b.Bytes(), nil
}

// esc escapes s for XML character data as encoding/xml's EscapeText
// does; plistTask reads it back. (encoding/xml itself cost every ccq
// start its package initialisation, for one file on macOS.)
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			if !isXMLChar(r) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isXMLChar is XML 1.0's Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// LaunchdInstalled lists the tasks whose plist ccq wrote in dir.
func LaunchdInstalled(dir string) map[string]string {
	out := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".plist")
		if !ok || !strings.HasPrefix(name, "dev.ccq.task.") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || !bytes.Contains(b, []byte("ccq schedule install")) {
			continue
		}
		if task := plistTask(b); task != "" {
			out[task] = name
		}
	}
	return out
}

// plistTask is the last ProgramArguments string: the task name.
func plistTask(b []byte) string {
	_, after, ok := bytes.Cut(b, []byte("<key>ProgramArguments</key>"))
	if !ok {
		return ""
	}
	arr, _, _ := bytes.Cut(after, []byte("</array>"))
	i := bytes.LastIndex(arr, []byte("<string>"))
	if i < 0 {
		return ""
	}
	v, _, ok := bytes.Cut(arr[i+len("<string>"):], []byte("</string>"))
	if !ok {
		return ""
	}
	return html.UnescapeString(string(v))
}

// InstallLaunchd writes a plist per job into dir. Loading them is left
// to the user (launchctl bootstrap), which install prints.
func InstallLaunchd(dir string, p Plan) error {
	var paths []string
	for _, j := range p.Jobs {
		b, err := LaunchdPlist(j)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, LaunchdLabel(j.Task)+".plist")
		if err := checkOurs(path); err != nil {
			return err
		}
		if p.DryRun {
			fmt.Fprintf(p.Out, "# ccq: would write %s:\n%s", path, b)
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(path, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(p.Out, "ccq: wrote %s\n", path)
		paths = append(paths, path)
	}
	if len(paths) > 0 {
		fmt.Fprintf(p.Out, "ccq: load them with: launchctl bootstrap gui/$(id -u) %s\n", strings.Join(paths, " "))
	}
	return nil
}

// RemoveLaunchd deletes the plists of the plan's tasks (all of ccq's
// when none is named).
func RemoveLaunchd(dir string, p Plan) error {
	installed := LaunchdInstalled(dir)
	names := p.Remove
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(installed))
	}
	n := 0
	for _, task := range names {
		label, ok := installed[task]
		if !ok {
			continue
		}
		path := filepath.Join(dir, label+".plist")
		n++
		if p.DryRun {
			fmt.Fprintf(p.Out, "# ccq: would delete %s\n", path)
			continue
		}
		fmt.Fprintf(p.Out, "ccq: unload it first where launchd runs: launchctl bootout gui/$(id -u)/%s\n", label)
		if err := os.Remove(path); err != nil {
			return err
		}
		fmt.Fprintf(p.Out, "ccq: deleted %s\n", path)
	}
	if n == 0 {
		fmt.Fprintf(p.Out, "ccq: no ccq plists in %s: nothing to remove\n", dir)
	}
	return nil
}
