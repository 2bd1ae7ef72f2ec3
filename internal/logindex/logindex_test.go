package logindex

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPathFor(t *testing.T) {
	tests := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/ccq/logdirs"},
		{"linux", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/st"}, "/st/ccq/logdirs"},
		{"linux", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "rel"}, "/home/u/.local/state/ccq/logdirs"},
		{"linux", map[string]string{"HOME": "rel"}, ""},
		{"linux", nil, ""},
		{"freebsd", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/ccq/logdirs"},
		{"darwin", map[string]string{"HOME": "/Users/u"}, "/Users/u/Library/Application Support/ccq/logdirs"},
		{"darwin", map[string]string{"HOME": "/Users/u", "XDG_STATE_HOME": "/st"}, "/st/ccq/logdirs"},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\u\AppData\Local`}, `C:\Users\u\AppData\Local\ccq\logdirs`},
		{"windows", map[string]string{"HOME": "/home/u"}, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.goos, tt.env), func(t *testing.T) {
			if got := pathFor(tt.goos, tt.env); got != tt.want {
				t.Errorf("pathFor = %q, want %q", got, tt.want)
			}
		})
	}
}

// logsDir makes a logs directory holding a history, as ccq leaves one.
func logsDir(t *testing.T, name string) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, historyName), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNoteReadDedupBound(t *testing.T) {
	state := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state, "HOME": "/nonexistent"}
	path := Path(env)
	if got := Read(path); got != nil {
		t.Fatalf("Read of no index = %q", got)
	}
	if _, err := os.Stat(filepath.Join(state, "ccq")); !os.IsNotExist(err) {
		t.Fatalf("Read created the state directory: %v", err)
	}
	a, b := logsDir(t, "a"), logsDir(t, "b")
	for _, d := range []string{a, b, a, b + "/", b} {
		if err := Note(env, d); err != nil {
			t.Fatal(err)
		}
	}
	if got := Read(path); !slices.Equal(got, []string{a, b}) {
		t.Fatalf("index = %q, want %q", got, []string{a, b})
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("index mode = %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("state dir: %v, %v; want 0700", st.Mode(), err)
	}
	// An index of a directory already there is not rewritten.
	before, _ := os.Stat(path)
	if err := Note(env, a); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !os.SameFile(before, after) {
		t.Error("noting a known directory rewrote the index")
	}

	// Bounded: the oldest go first.
	var all []string
	for i := range Max + 5 {
		d := logsDir(t, fmt.Sprint("d", i))
		all = append(all, d)
		if err := Note(env, d); err != nil {
			t.Fatal(err)
		}
	}
	if got := Read(path); !slices.Equal(got, all[5:]) {
		t.Fatalf("index after %d notes holds %d: %q", Max+5, len(got), got)
	}
}

func TestNoteDropsGoneHistories(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
	a, b, c := logsDir(t, "a"), logsDir(t, "b"), logsDir(t, "c")
	for _, d := range []string{a, b} {
		if err := Note(env, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(a, historyName)); err != nil {
		t.Fatal(err)
	}
	if err := Note(env, c); err != nil {
		t.Fatal(err)
	}
	if got := Read(Path(env)); !slices.Equal(got, []string{b, c}) {
		t.Fatalf("index = %q, want %q", got, []string{b, c})
	}
}

func TestCorruptIndexIgnored(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
	path := Path(env)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	a := logsDir(t, "a")
	junk := "\x00\xff garbage\nrelative/dir\n/x/../y\n/with\x1b[2Jescape\n" + a + "\n" + strings.Repeat("z", 5000) + "\n"
	if err := os.WriteFile(path, []byte(junk), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := Read(path); !slices.Equal(got, []string{a}) {
		t.Fatalf("Read of a damaged index = %q, want only %q", got, a)
	}
	// Oversized: not ccq's, ignored whole, and replaced by a note.
	if err := os.WriteFile(path, []byte(a+"\n"+strings.Repeat("x", maxSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := Read(path); got != nil {
		t.Fatalf("Read of an oversized index = %q", got)
	}
	b := logsDir(t, "b")
	if err := Note(env, b); err != nil {
		t.Fatal(err)
	}
	if got := Read(path); !slices.Equal(got, []string{b}) {
		t.Fatalf("index = %q", got)
	}
	if err := Note(env, "relative"); err == nil {
		t.Error("a relative directory was indexed")
	}
}

func TestNeverThroughSymlink(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
	path := Path(env)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	a := logsDir(t, "a")
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte(a+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if got := Read(path); got != nil {
		t.Errorf("Read followed a link: %q", got)
	}
	if err := Note(env, logsDir(t, "b")); err == nil {
		t.Error("Note replaced a link")
	}
	if b, _ := os.ReadFile(target); string(b) != a+"\n" {
		t.Errorf("link target changed: %q", b)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link at the index replaced: %v %v", fi, err)
	}
}

func TestNoBaseNoIndex(t *testing.T) {
	if err := Note(map[string]string{"HOME": "rel", "LOCALAPPDATA": "rel"}, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	// A home that does not exist is not created.
	home := filepath.Join(t.TempDir(), "no-home")
	if err := Note(map[string]string{"HOME": home, "LOCALAPPDATA": home}, logsDir(t, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(home); !os.IsNotExist(err) {
		t.Fatalf("Note created the missing home %s: %v", home, err)
	}
	// $XDG_STATE_HOME is created, as the XDG spec asks.
	state := filepath.Join(t.TempDir(), "state")
	if err := Note(map[string]string{"HOME": home, "XDG_STATE_HOME": state}, logsDir(t, "b")); err != nil {
		t.Fatal(err)
	}
	if len(Read(filepath.Join(state, "ccq", Name))) != 1 {
		t.Error("no index in a new $XDG_STATE_HOME")
	}
	if got := Read(""); got != nil {
		t.Fatal(got)
	}
}

// BenchmarkNoteKnown is what a recorder pays per history line once its
// directory is indexed (the common case): one read of a small file.
func BenchmarkNoteKnown(b *testing.B) {
	env := map[string]string{"XDG_STATE_HOME": b.TempDir()}
	var last string
	for i := range Max {
		last = filepath.Join(b.TempDir(), fmt.Sprint("logs", i))
		os.MkdirAll(last, 0o700)
		os.WriteFile(filepath.Join(last, historyName), []byte("{}\n"), 0o600)
		if err := Note(env, last); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if err := Note(env, last); err != nil {
			b.Fatal(err)
		}
	}
}
