package schedule

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse: any schedule text either errors or gives a Spec whose slots
// move forward, whose cron fields parse back to the same slots, and that
// every backend can render (or refuse) without panicking.
func FuzzParse(f *testing.F) {
	for _, e := range append(testExprs, "", "@every 1m", "CRON_TZ=", "TZ=Europe/Berlin", "0 0 31 2 *", "*/0 * * * *", "1-70 * * * *", "0 0 * * 7") {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		base := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
		n := s.Next(base)
		if !n.IsZero() && !n.After(base) {
			t.Fatalf("%q: Next(%v) = %v", expr, base, n)
		}
		prefix := ""
		if s.TZ != "" {
			prefix = "TZ=" + s.TZ + " "
		}
		again, err := Parse(prefix + s.CronFields())
		if err != nil {
			t.Fatalf("%q: fields %q do not parse: %v", expr, s.CronFields(), err)
		}
		if m := again.Next(base); !m.Equal(n) {
			t.Fatalf("%q: next %v, from its fields %v", expr, n, m)
		}
		_ = s.OnCalendar()
		_, _ = s.CalendarIntervals()
		_ = s.Describe()
	})
}

// FuzzParseCrontab: a crontab without ccq's block comes back byte for
// byte; with one, the text around it is kept.
func FuzzParseCrontab(f *testing.F) {
	f.Add([]byte("MAILTO=x\n0 1 * * * a\n"))
	f.Add([]byte("a\n# BEGIN ccq schedule: x\n# ccq task n: @daily\n0 0 * * *  cmd\n# END ccq schedule\nb\n"))
	f.Add([]byte("# BEGIN ccq schedule (new crontab): x\n# END ccq schedule\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		tab, err := ParseCrontab(text)
		if err != nil {
			return
		}
		out := tab.Render()
		if !tab.HasBlock {
			if !bytes.Equal(out, text) {
				t.Fatalf("no block, but %q rendered as %q", text, out)
			}
			return
		}
		if !bytes.HasPrefix(out, tab.Before) || !bytes.HasSuffix(out, tab.After) {
			t.Fatalf("%q rendered as %q: text around the block changed", text, out)
		}
		again, err := ParseCrontab(out)
		if err != nil || !strings.EqualFold(strings.Join(again.Tasks(), ","), strings.Join(tab.Tasks(), ",")) {
			t.Fatalf("%q: rendered %q parses to %v, %v", text, out, again, err)
		}
	})
}

// FuzzPlistText: esc escapes as encoding/xml does, and plistTask reads
// back the task name of any plist LaunchdPlist writes.
func FuzzPlistText(f *testing.F) {
	for _, s := range []string{"nightly", `a <b> & 'c'`, "tab\there\nnl\r", "\x00\x01\ufffe", "ü€😀", "&amp;#39;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		if err := xml.EscapeText(&want, []byte(s)); err != nil {
			t.Skip()
		}
		if got := esc(s); got != want.String() {
			t.Fatalf("esc(%q) = %q, encoding/xml %q", s, got, want.String())
		}
		if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !isXMLChar(r) }) {
			return // such a name is not read back verbatim by any XML reader either
		}
		b, err := LaunchdPlist(job(t, s, "0 3 * * *"))
		if err != nil {
			t.Fatal(err)
		}
		if got := plistTask(b); got != s {
			t.Fatalf("plistTask of %q = %q", s, got)
		}
	})
}
