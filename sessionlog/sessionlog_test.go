package sessionlog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

func TestTrimText(t *testing.T) {
	for _, tc := range []struct {
		in         string
		lines, max int
		want       string
	}{
		{"a\nb\nc", 5, 100, "a\nb\nc"},
		{"a\nb\nc\nd", 2, 100, "a\nb\n… 2 more lines, 4 more bytes"},
		{"abcdef", 5, 3, "abc\n… 0 more lines, 3 more bytes"},
		{"ééé", 5, 3, "é\n… 0 more lines, 4 more bytes"},
	} {
		got := trimText(tc.in, tc.lines, tc.max)
		if got != tc.want {
			t.Errorf("trimText(%q, %d, %d) = %q, want %q", tc.in, tc.lines, tc.max, got, tc.want)
		}
	}
}

// TestCreateRefusesLinks: a symlink planted as the day folder or
// as the log file itself is refused, and nothing is written where it
// points.
func TestCreateRefusesLinks(t *testing.T) {
	for _, planted := range []string{"day", "file"} {
		t.Run(planted, func(t *testing.T) {
			logs := filepath.Join(t.TempDir(), "logs")
			outside := t.TempDir()
			day := filepath.Join(logs, "2026-12-02")
			path := filepath.Join(day, "job-01.md")
			if err := os.MkdirAll(logs, 0o700); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(outside, "victim")
			if planted == "day" {
				if err := os.Symlink(outside, day); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := os.Mkdir(day, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, path); err != nil {
					t.Fatal(err)
				}
			}
			l, err := Create(logs, path)
			if err == nil {
				l.Close()
				t.Fatal("created a session log through a link")
			}
			want := day
			if planted == "file" {
				want = path
			}
			if !strings.Contains(err.Error(), want) || !errors.Is(err, recorder.ErrSymlink) {
				t.Errorf("error %v, want one naming %s as a symlink", err, want)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 0 {
				t.Errorf("written outside the logs directory: %v", ents)
			}
		})
	}
}
