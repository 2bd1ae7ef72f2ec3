package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// The marked block ccq owns in a crontab. Nothing outside it is changed.
const (
	cronBegin    = "# BEGIN ccq schedule"
	cronEnd      = "# END ccq schedule"
	cronNote     = ": written by `ccq schedule install`, do not edit (`ccq schedule remove` takes it out)"
	cronNewTable = " (new crontab)" // there was no crontab: remove deletes it
	entryPrefix  = "# ccq "
)

// Keys of the block's entries that are not tasks.
const (
	KeyCatchUp  = "catch-up"
	KeyWatchdog = "watchdog"
)

// TaskKey is the block key of a task's entry.
func TaskKey(task string) string { return "task " + task }

// CronTable is a crontab split around ccq's block.
type CronTable struct {
	Before, After []byte
	HasBlock      bool
	NewTable      bool                 // the block's crontab did not exist before it
	Entries       map[string][2]string // key: comment line, command line
}

// ParseCrontab splits a crontab's text around ccq's block.
func ParseCrontab(text []byte) (*CronTable, error) {
	t := &CronTable{Entries: map[string][2]string{}}
	lines := bytes.SplitAfter(text, []byte("\n"))
	begin, end := -1, -1
	for i, l := range lines {
		s := strings.TrimRight(string(l), "\n")
		switch {
		case begin < 0 && strings.HasPrefix(s, cronBegin):
			begin = i
			t.NewTable = strings.HasPrefix(s, cronBegin+cronNewTable)
		case begin >= 0 && s == cronEnd:
			end = i
		}
		if end >= 0 {
			break
		}
	}
	if begin < 0 {
		t.Before = text
		return t, nil
	}
	if end < 0 {
		return nil, fmt.Errorf("crontab line %d: %q has no %q line after it: mend the block by hand", begin+1, cronBegin, cronEnd)
	}
	t.HasBlock = true
	t.Before = bytes.Join(lines[:begin], nil)
	t.After = bytes.Join(lines[end+1:], nil)
	body := lines[begin+1 : end]
	for i := 0; i < len(body); i++ {
		c := strings.TrimRight(string(body[i]), "\n")
		rest, ok := strings.CutPrefix(c, entryPrefix)
		if !ok || i+1 >= len(body) {
			continue // a stray line in ccq's block is dropped with it
		}
		key, _, _ := strings.Cut(rest, ": ")
		t.Entries[key] = [2]string{c, strings.TrimRight(string(body[i+1]), "\n")}
		i++
	}
	return t, nil
}

// Render is the crontab's text with the block rewritten from Entries
// (tasks in name order, then catch-up and watchdog); with no entries, the
// text around where the block was, byte for byte.
func (t *CronTable) Render() []byte {
	var b bytes.Buffer
	b.Write(t.Before)
	if len(t.Entries) > 0 {
		if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
			b.WriteByte('\n')
		}
		b.WriteString(cronBegin)
		if t.NewTable {
			b.WriteString(cronNewTable)
		}
		b.WriteString(cronNote + "\n")
		var keys, special []string
		for _, k := range slices.Sorted(maps.Keys(t.Entries)) {
			if strings.HasPrefix(k, "task ") {
				keys = append(keys, k)
			} else {
				special = append(special, k)
			}
		}
		for _, k := range append(keys, special...) {
			e := t.Entries[k]
			b.WriteString(e[0] + "\n" + e[1] + "\n")
		}
		b.WriteString(cronEnd + "\n")
	}
	b.Write(t.After)
	return b.Bytes()
}

// Tasks are the task names with an entry in the block.
func (t *CronTable) Tasks() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(t.Entries)) {
		if name, ok := strings.CutPrefix(k, "task "); ok {
			out = append(out, name)
		}
	}
	return out
}

// CronEntry is a job's block entry. A time zone other than the system's
// cannot be expressed: cron(8) on Debian runs every entry in the system
// zone and has no CRON_TZ.
func CronEntry(j Job) ([2]string, error) {
	if j.Spec.TZ != "" && !sameZone(j.Spec.Loc, time.Local) {
		return [2]string{}, fmt.Errorf("task %s: schedule %q: %w by cron, which runs entries in the system's time zone (%s); use --backend systemd, or drop the CRON_TZ", j.Task, j.Spec.String(), ErrCannotExpress, time.Local.String())
	}
	if j.Jitter > 0 {
		return [2]string{}, fmt.Errorf("task %s: jitter: %w by cron; use --backend systemd (RandomizedDelaySec=)", j.Task, ErrCannotExpress)
	}
	comment := entryPrefix + TaskKey(j.Task) + ": " + j.Spec.String()
	return [2]string{comment, j.Spec.CronFields() + "  " + CronCommand(j.Dir, j.Argv)}, nil
}

// CronCommand is a crontab command: cd to dir, then argv, each word
// quoted for /bin/sh and % escaped (cron turns a bare % into a newline).
func CronCommand(dir string, argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shQuote(a)
	}
	cmd := "cd " + shQuote(dir) + " && exec " + strings.Join(q, " ")
	return strings.ReplaceAll(cmd, "%", `\%`)
}

func shQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sameZone reports whether a and b have the same offset every six hours
// over two years: the same zone for every slot cron would compute.
func sameZone(a, b *time.Location) bool {
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 4 * 730 {
		_, oa := t.In(a).Zone()
		_, ob := t.In(b).Zone()
		if oa != ob {
			return false
		}
		t = t.Add(6 * time.Hour)
	}
	return true
}

// Crontab runs the crontab(1) binary of the user.
type Crontab struct {
	Bin string   // absolute path
	Env []string // its environment
}

// ErrNoCrontab is returned by Read when the user has no crontab.
var ErrNoCrontab = errors.New("no crontab")

// Read is `crontab -l`: the table, or ErrNoCrontab.
func (c Crontab) Read() ([]byte, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(c.Bin, "-l")
	cmd.Env, cmd.Stdout, cmd.Stderr = c.Env, &out, &errb
	if err := cmd.Run(); err != nil {
		if strings.Contains(errb.String(), "no crontab for") {
			return nil, ErrNoCrontab
		}
		return nil, fmt.Errorf("%s -l: %v: %s", c.Bin, err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// Write is `crontab -` with text.
func (c Crontab) Write(text []byte) error {
	return c.run(text, "-")
}

// Remove is `crontab -r`.
func (c Crontab) Remove() error { return c.run(nil, "-r") }

func (c Crontab) run(stdin []byte, arg string) error {
	var errb bytes.Buffer
	cmd := exec.Command(c.Bin, arg)
	cmd.Env, cmd.Stdin, cmd.Stderr = c.Env, bytes.NewReader(stdin), &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", c.Bin, arg, err, strings.TrimSpace(errb.String()))
	}
	return nil
}
