package recorder

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// outside is a directory beside the logs directory that nothing may touch.
func outside(t *testing.T) (logs, out string) {
	t.Helper()
	root := t.TempDir()
	logs, out = filepath.Join(root, "logs"), filepath.Join(root, "outside")
	for _, d := range []string{logs, out} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return logs, out
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("written outside the logs directory: %s", filepath.Join(dir, e.Name()))
	}
}

func TestSymlinkedHistoryIsRefused(t *testing.T) {
	for _, existing := range []bool{false, true} {
		logs, out := outside(t)
		target := filepath.Join(out, "probe")
		if existing {
			if err := os.WriteFile(target, []byte("keep\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(target, HistoryPath(logs)); err != nil {
			t.Fatal(err)
		}
		e := Entry{TaskID: "t", Success: true}
		err := Append(logs, &e)
		if !errors.Is(err, ErrSymlink) {
			t.Errorf("Append through a link to %s: %v, want ErrSymlink", target, err)
		}
		b, rerr := os.ReadFile(target)
		switch {
		case existing && string(b) != "keep\n":
			t.Errorf("link target changed to %q", b)
		case !existing && !errors.Is(rerr, os.ErrNotExist):
			t.Errorf("link target created")
		}
	}
}

func TestSymlinkedStateIsRefused(t *testing.T) {
	t.Run("runs dir", func(t *testing.T) {
		logs, out := outside(t)
		if err := os.Symlink(out, RunsDir(logs)); err != nil {
			t.Fatal(err)
		}
		if err := AppendEvent(logs, "r", Event{Ev: EvSessionStart}); !errors.Is(err, ErrSymlink) {
			t.Errorf("AppendEvent into a linked .runs: %v, want ErrSymlink", err)
		}
		if err := AppendEventIfOpen(logs, "r", Event{Ev: EvStop}); !errors.Is(err, ErrSymlink) {
			t.Errorf("AppendEventIfOpen into a linked .runs: %v, want ErrSymlink", err)
		}
		assertEmptyDir(t, out)
	})
	t.Run("state file", func(t *testing.T) {
		logs, out := outside(t)
		if err := os.MkdirAll(RunsDir(logs), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(out, "probe"), runFile(logs, "r")); err != nil {
			t.Fatal(err)
		}
		for _, f := range []func(string, string, Event) error{AppendEvent, AppendEventIfOpen} {
			if err := f(logs, "r", Event{Ev: EvStop}); !errors.Is(err, ErrSymlink) {
				t.Errorf("append to a linked state file: %v, want ErrSymlink", err)
			}
		}
		assertEmptyDir(t, out)
	})
	t.Run("day directory", func(t *testing.T) {
		logs, out := outside(t)
		if err := os.Symlink(out, filepath.Join(logs, "2026-12-02")); err != nil {
			t.Fatal(err)
		}
		if err := MkdirNoFollow(logs, filepath.Join(logs, "2026-12-02")); !errors.Is(err, ErrSymlink) {
			t.Errorf("MkdirNoFollow through a linked day directory: %v, want ErrSymlink", err)
		}
		if err := MkdirNoFollow(logs, filepath.Join(logs, "..", "x")); err == nil {
			t.Error("MkdirNoFollow outside the logs directory: no error")
		}
	})
}

func TestLogsDirLinkOwnedByAnotherUser(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(root, "mine")
	if err := os.Symlink(real, mine); err != nil {
		t.Fatal(err)
	}
	e := Entry{TaskID: "t", Success: true}
	if err := Append(mine, &e); err != nil {
		t.Errorf("a logs directory linked by its own user: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("changing a link's owner needs root (CI runs as root)")
	}
	theirs := filepath.Join(root, "theirs")
	if err := os.Symlink(real, theirs); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(theirs, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(HistoryPath(real))
	if err := Append(theirs, &e); !errors.Is(err, ErrSymlink) {
		t.Errorf("Append under a logs directory linked by uid 4242: %v, want ErrSymlink", err)
	}
	if err := AppendEvent(theirs, "r", Event{Ev: EvSessionStart}); !errors.Is(err, ErrSymlink) {
		t.Errorf("AppendEvent under a logs directory linked by uid 4242: %v, want ErrSymlink", err)
	}
	after, _ := os.ReadFile(HistoryPath(real))
	if string(before) != string(after) {
		t.Error("history written through another user's link")
	}
}

// TestEveryLineIsReadable: whatever the entry holds, the line the writer
// makes is valid JSON, short enough for every reader, and keeps the seven
// contract keys.
func TestEveryLineIsReadable(t *testing.T) {
	huge := strings.Repeat("/very/long/path", 200_000) // 3 MB
	nan, inf, neg := math.NaN(), math.Inf(1), -1.0
	entries := []Entry{
		{TaskID: "t", LogFile: huge, ErrorDetail: huge, Model: huge, SessionID: huge, RunID: huge},
		{TaskID: huge, LogFile: "é" + huge},
		{TaskID: "t", Tokens: -5, DurationS: nan, CostUSD: &nan},
		{TaskID: "t", DurationS: inf, CostUSD: &inf},
		{TaskID: "t", DurationS: -1, CostUSD: &neg},
		{TaskID: "bad\xff\x00utf8", ErrorDetail: "\xff\xfe"},
	}
	for i, e := range entries {
		line, err := e.Marshal()
		if err != nil {
			t.Fatalf("entry %d: Marshal: %v", i, err)
		}
		if len(line) > 8<<10 {
			t.Errorf("entry %d: line of %d bytes, over the 8 KiB the caps promise", i, len(line))
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("entry %d: not JSON: %v", i, err)
		}
		if tok := m["tokens"].(float64); tok < 0 {
			t.Errorf("entry %d: tokens %v", i, tok)
		}
		if d := m["duration_s"].(float64); d < 0 {
			t.Errorf("entry %d: duration_s %v", i, d)
		}
		if c, ok := m["cost_usd"]; ok && c.(float64) < 0 {
			t.Errorf("entry %d: cost_usd %v", i, c)
		}
		n := 0
		st, err := ScanLines(strings.NewReader(string(line)), json.Valid, func(int, []byte) error { n++; return nil })
		if err != nil || n != 1 || st.Skipped != 0 {
			t.Errorf("entry %d: the reader took %d lines, skipped %d (%v)", i, n, st.Skipped, err)
		}
	}
}

func TestTokenSumsSaturate(t *testing.T) {
	u := Usage{Input: math.MaxInt64, Output: math.MaxInt64, CacheCreation: 3, CacheRead: -7}
	if got := u.Total(); got != math.MaxInt64 {
		t.Errorf("Total = %d, want MaxInt64", got)
	}
	if got := u.Add(u).Input; got != math.MaxInt64 {
		t.Errorf("Add = %d, want MaxInt64", got)
	}
	if got := (Usage{Input: -3, Output: 2}).Total(); got != 2 {
		t.Errorf("Total of -3 and 2 = %d, want 2 (negative counts are 0)", got)
	}
}

// TestUnicodeTaskIDsKeptApart: ids are kept as given in the history, and
// two ids whose file names would collide get files of their own.
func TestUnicodeTaskIDsKeptApart(t *testing.T) {
	logs := t.TempDir()
	for _, id := range []string{"a/b", "a_b", "日本語"} {
		if err := AppendEvent(logs, id, Event{Ev: EvSessionStart, T: time.Now().UnixMilli(), Task: id, PID: -1}); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(RunsDir(logs))
	if len(ents) != 3 {
		t.Fatalf("%d state files for 3 runs", len(ents))
	}
	for _, id := range []string{"a/b", "a_b", "日本語"} {
		r, err := ReadRun(logs, id)
		if err != nil || r.ID != id || r.Task != id {
			t.Errorf("ReadRun(%q) = %+v, %v", id, r, err)
		}
		rec, err := Record(logs, id, Evidence{}, ByHook)
		if err != nil || rec.Entry.TaskID != id || rec.Entry.RunID != id {
			t.Errorf("Record(%q): task %q run %q, %v", id, rec.Entry.TaskID, rec.Entry.RunID, err)
		}
		if !HistoryHasRun(logs, id) {
			t.Errorf("HistoryHasRun(%q) = false after recording it", id)
		}
	}
}

// readHistory parses every line of the history in logs directory dir.
func readHistory(t *testing.T, dir string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(HistoryPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("history line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestExtrasFollowTheFields(t *testing.T) {
	nan := math.NaN()
	e := Entry{TaskID: "t", Success: true, RunID: "r", Extra: map[string]any{
		"retry_of": "r0", "attempt": 2, "task_id": "spoofed", "bad": nan, "long": strings.Repeat("x", 5000),
	}}
	line, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(line)
	want := `"run_id":"r","attempt":2,"long":"`
	if !strings.Contains(s, want) || !strings.HasSuffix(s, `…","retry_of":"r0"}`+"\n") {
		t.Errorf("extras not after the fields in key order, or not capped:\n%s", s)
	}
	if strings.Count(s, `"task_id"`) != 1 || strings.Contains(s, "spoofed") || strings.Contains(s, `"bad"`) {
		t.Errorf("an extra replaced a field, or a NaN got in:\n%s", s)
	}
	if !json.Valid(line) {
		t.Errorf("not JSON: %s", s)
	}
}

// TestAppendAcrossARewrite: a rewrite of the history (ccq prune) renames a
// new file over the old one while holding the old one's lock. Appenders
// waiting for that lock must land in the new file, not the unlinked old one.
func TestAppendAcrossARewrite(t *testing.T) {
	dir := t.TempDir()
	path := HistoryPath(dir)
	old, err := LockHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	const writers = 8
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			e := Entry{TaskID: "t", RunID: "r" + string(rune('a'+i))}
			errs <- Append(dir, &e)
		}()
	}
	// The rewrite: a new file with a kept line, renamed over, then the old
	// lock released.
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(`{"task_id":"kept"}`+"\n"), FileMode); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	old.Close()
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	lines := readHistory(t, dir)
	if len(lines) != writers+1 || lines[0]["task_id"] != "kept" {
		t.Fatalf("history after the rewrite has %d lines (want %d), first %v", len(lines), writers+1, lines[0])
	}
}
