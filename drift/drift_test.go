package drift

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// history writes a hand-made history: n runs of task "nightly", one per
// hour from 2026-12-01 00:00; run i gets success, duration, tokens and
// client version from f.
func history(t *testing.T, n int, f func(i int) (bool, float64, int64, string)) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		ok, d, tok, ver := f(i)
		et := "null"
		if !ok {
			et = `"exit_error"`
		}
		fmt.Fprintf(&b, `{"task_id":"nightly","success":%v,"error_type":%s,"tokens":%d,"duration_s":%g,"log_file":"","timestamp":"2026-12-%02dT%02d:00:00.000Z","fp":{"claude":%q,"prompt":"1a2b3c4d","host":"vm"}}`+"\n",
			ok, et, tok, d, 1+i/24, i%24, ver)
		fmt.Fprintf(&b, `{"task_id":"other","success":false,"error_type":"exit_error","tokens":1,"duration_s":1,"log_file":"","timestamp":"2026-12-%02dT%02d:30:00.000Z"}`+"\n", 1+i/24, i%24)
	}
	p := filepath.Join(t.TempDir(), "history.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func find(t *testing.T, path string) *Shift {
	t.Helper()
	runs, err := ReadTail(path, func(task string) bool { return task == "nightly" })
	if err != nil || len(runs) != 1 {
		t.Fatalf("%v %v", runs, err)
	}
	return Find(runs["nightly"])
}

// TestVersionChangeAtShift: success falls when the client version changes.
func TestVersionChangeAtShift(t *testing.T) {
	p := history(t, 60, func(i int) (bool, float64, int64, string) {
		if i < 30 {
			return i != 7, 60, 1000, "2.1.328"
		}
		return i%5 >= 3, 60, 1000, "2.1.330"
	})
	s := find(t, p)
	if s == nil {
		t.Fatal("no shift found")
	}
	want := "success 97% → 40% since 2026-12-02 06:00, when claude_version went 2.1.328 → 2.1.330; prompt unchanged"
	if s.Message() != want {
		t.Errorf("got  %s\nwant %s", s.Message(), want)
	}
}

// TestShiftWithoutChange: tokens double with the same fingerprint.
func TestShiftWithoutChange(t *testing.T) {
	p := history(t, 40, func(i int) (bool, float64, int64, string) {
		if i < 20 {
			return true, 60, 1000, "2.1.328"
		}
		return true, 60, 2500, "2.1.328"
	})
	s := find(t, p)
	if s == nil || s.Message() != "tokens per success 1000 → 2500 since 2026-12-01 20:00; no change in the fingerprint" {
		t.Errorf("shift %+v", s)
	}
}

// TestNoShift: steady numbers, a version change alone is no shift.
func TestNoShift(t *testing.T) {
	p := history(t, 40, func(i int) (bool, float64, int64, string) {
		v := "2.1.328"
		if i >= 20 {
			v = "2.1.330"
		}
		return i%10 != 3, 60 + float64(i%3), 1000 + int64(i%4), v
	})
	if s := find(t, p); s != nil {
		t.Errorf("shift %s", s.Message())
	}
}

func TestDurationShift(t *testing.T) {
	p := history(t, 30, func(i int) (bool, float64, int64, string) {
		if i < 15 {
			return true, 60, 1000, "2.1.328"
		}
		return true, 240, 1000, "2.1.328"
	})
	s := find(t, p)
	if s == nil || !strings.HasPrefix(s.Message(), "duration 1m0s → 4m0s since 2026-12-01 15:00;") {
		t.Errorf("shift %+v", s)
	}
}

// TestGitDirtyUnknown: a commit whose dirty flag one side does not know
// (hook lines) is no change; another commit is one.
func TestGitDirtyUnknown(t *testing.T) {
	run := func(git string) Run { return Run{FP: map[string]string{"git": git, "host": "vm"}} }
	side := func(git string) []Run {
		var rs []Run
		for range MinSide {
			rs = append(rs, run(git))
		}
		return rs
	}
	tests := []struct {
		before, after string
		change        bool
	}{
		{"3f2a9c1b0d4e", "3f2a9c1b0d4e+dirty?", false},
		{"3f2a9c1b0d4e+dirty", "3f2a9c1b0d4e+dirty?", false},
		{"3f2a9c1b0d4e+dirty?", "77aa9c1b0d4e+dirty?", true},
		{"3f2a9c1b0d4e", "3f2a9c1b0d4e+dirty", true},
	}
	for _, tt := range tests {
		changes, _ := compare(side(tt.before), side(tt.after))
		if got := len(changes) == 1 && changes[0].Part == "git"; got != tt.change || len(changes) > 1 {
			t.Errorf("%s → %s: changes %v, want a git change: %v", tt.before, tt.after, changes, tt.change)
		}
	}
}
