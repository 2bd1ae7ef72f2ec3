package prune

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/tinyfs"
	"github.com/ccq-dev/ccq/recorder"
)

// TestCannotRewrite: a read-only or full logs directory fails the prune
// with nothing removed, session logs included.
func TestCannotRewrite(t *testing.T) {
	for _, how := range []string{"read-only", "full"} {
		t.Run(how, func(t *testing.T) {
			dir := tinyfs.Mount(t)
			hist := line("a", 1, "2024-01-05T10:00:00.000Z") + line("b", 2, "2026-01-05T10:00:00.000Z")
			if err := os.WriteFile(recorder.HistoryPath(dir), []byte(hist), 0o600); err != nil {
				t.Fatal(err)
			}
			logf := filepath.Join(dir, "2024-01-05", "a-1.md")
			os.Mkdir(filepath.Dir(logf), 0o700)
			if err := os.WriteFile(logf, []byte("# a\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			switch how {
			case "read-only":
				if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
					t.Fatal(err)
				}
			case "full":
				tinyfs.Fill(t, dir)
			}
			for _, archive := range []bool{false, true} {
				_, err := Run(Options{LogsDir: dir, Cut: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Archive: archive})
				if err == nil {
					t.Fatalf("archive=%v: prune of a %s directory succeeded", archive, how)
				}
				t.Logf("archive=%v: %v", archive, err)
				if b, _ := os.ReadFile(recorder.HistoryPath(dir)); string(b) != hist {
					t.Errorf("history changed: %q", b)
				}
				if _, err := os.Stat(logf); err != nil {
					t.Errorf("session log removed: %v", err)
				}
			}
			if a, _ := Archives(dir); len(a) != 0 {
				t.Errorf("archives left behind: %v", a)
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if e.Name() != "history.jsonl" && e.Name() != "2024-01-05" && e.Name() != "filler" && e.Name() != ArchiveDir {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}
