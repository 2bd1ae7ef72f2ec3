package textfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

func TestNew(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o600)
	for _, tt := range []struct {
		env  string
		nil_ bool
		err  string
	}{
		{"", true, ""},
		{"rel/dir", true, "must be an absolute path"},
		{filepath.Join(dir, "missing"), true, "no such file"},
		{file, true, "not a directory"},
		{dir, false, ""},
	} {
		s, err := New(map[string]string{EnvDir: tt.env}, dir)
		if (s == nil) != tt.nil_ || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: sink %v, error %v; want error containing %q", tt.env, s, err, tt.err)
		}
	}
}

func TestFinishedWritesTheTextfile(t *testing.T) {
	logs, dir := t.TempDir(), t.TempDir()
	s, err := New(map[string]string{EnvDir: dir}, logs)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range []bool{true, false, true} {
		e := recorder.Entry{TaskID: "nightly", Success: ok, Tokens: 100, DurationS: 42.5, RunID: "r" + string(rune('a'+i))}
		if !ok {
			e.ErrorType = recorder.ErrTimeout
		}
		e.SetStart(time.Date(2026, 3, 1, i, 0, 0, 0, time.UTC))
		if err := recorder.Append(logs, &e); err != nil {
			t.Fatal(err)
		}
		if err := s.Finished(context.Background(), launch.RunInfo{Task: "nightly"}, e); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "ccq.prom"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{0: `ccq_runs_total{outcome="success",task="nightly"} 1`, 1: `ccq_runs_total{outcome="timeout",task="nightly"} 1`, 2: `ccq_runs_total{outcome="success",task="nightly"} 2`}[i]
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("after run %d the textfile lacks %q:\n%s", i, want, b)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "ccq.prom"))
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("textfile mode %v (%v), want 0644", st.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}
