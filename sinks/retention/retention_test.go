package retention

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
	if s, err := New(map[string]string{}, t.TempDir()); s != nil || err != nil {
		t.Errorf("unset: %v, %v; want no sink", s, err)
	}
	for _, bad := range []string{"soon", "-5d", "2h", "90x"} {
		if _, err := New(map[string]string{EnvRetention: bad}, t.TempDir()); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Not finite or past what a duration holds: said as such, not as
	// "less than a day" (Infd used to be).
	for bad, want := range map[string]string{"Infd": "cannot read age", "NaNw": "cannot read age", "+Infd": "cannot read age", "1e300d": "too long"} {
		_, err := New(map[string]string{EnvRetention: bad}, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", bad, err, want)
		}
	}
	if _, err := New(map[string]string{EnvRetention: "90d", EnvArchive: "maybe"}, t.TempDir()); err == nil {
		t.Error("CCQ_RETENTION_ARCHIVE=maybe accepted")
	}
	s, err := New(map[string]string{EnvRetention: "12w", EnvArchive: "1"}, t.TempDir())
	if err != nil || s.age != 84*24*time.Hour || !s.archive {
		t.Errorf("12w: %+v, %v", s, err)
	}
}

// TestOncePerDay: the first finished run prunes, the next ones that day do
// not, and one a day later does again.
func TestOncePerDay(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s, err := New(map[string]string{EnvRetention: "90d"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return now }
	old := `{"task_id":"a","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"2026-01-01T00:00:00.000Z"}` + "\n"
	keep := `{"task_id":"a","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"2026-05-30T00:00:00.000Z"}` + "\n"
	write := func() {
		if err := os.WriteFile(recorder.HistoryPath(dir), []byte(old+keep), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	history := func() string { b, _ := os.ReadFile(recorder.HistoryPath(dir)); return string(b) }
	write()
	if err := s.Finished(context.Background(), launch.RunInfo{}, recorder.Entry{}); err != nil {
		t.Fatal(err)
	}
	if history() != keep {
		t.Fatalf("first run of the day did not prune: %q", history())
	}
	write()
	now = now.Add(23 * time.Hour)
	if ran, err := s.Prune(context.Background()); ran || err != nil {
		t.Fatalf("pruned twice in a day: %v, %v", ran, err)
	}
	if history() != old+keep {
		t.Fatal("history changed")
	}
	now = now.Add(2 * time.Hour)
	if ran, err := s.Prune(context.Background()); !ran || err != nil {
		t.Fatalf("no prune a day later: %v, %v", ran, err)
	}
	if history() != keep {
		t.Fatalf("history %q", history())
	}
	if st, err := os.Lstat(filepath.Join(dir, MarkerName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("marker: %v %v", st, err)
	}
}
