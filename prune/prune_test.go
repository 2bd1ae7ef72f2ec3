package prune

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

func line(task string, n int, ts string) string {
	return fmt.Sprintf(`{"task_id":%q,"success":true,"error_type":null,"tokens":%d,"duration_s":1,"log_file":"","timestamp":%q,"run_id":"%s-%d"}`+"\n", task, n, ts, task, n)
}

// everything reads the history and its archives back, line by line.
func everything(t *testing.T, dir string) []string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteAll(&b, recorder.HistoryPath(dir)); err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// TestAppendDuringPrune: 16 writers append through recorder.AppendLine while
// archiving prunes run again and again. Every line written is afterwards in
// the history or an archive, exactly once and whole.
func TestAppendDuringPrune(t *testing.T) {
	dir := t.TempDir()
	const writers, each = 16, 150
	cut := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	want := map[string]bool{}
	var mu sync.Mutex
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				ts := "2024-0" + fmt.Sprint(1+i%3) + "-10T10:00:00.000Z" // old: goes to an archive
				if i%2 == 1 {
					ts = "2026-01-10T10:00:00.000Z" // new: stays
				}
				l := line(fmt.Sprintf("w%d", w), i, ts)
				if err := recorder.AppendLine(recorder.HistoryPath(dir), []byte(l)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want[strings.TrimSuffix(l, "\n")] = true
				mu.Unlock()
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	prunes := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if _, err := Run(Options{LogsDir: dir, Cut: cut, Archive: true}); err != nil {
			t.Fatal(err)
		}
		prunes++
	}
	if _, err := Run(Options{LogsDir: dir, Cut: cut, Archive: true}); err != nil {
		t.Fatal(err)
	}
	got := everything(t, dir)
	seen := map[string]int{}
	for _, l := range got {
		if !json.Valid([]byte(l)) {
			t.Errorf("torn line %q", l)
		}
		seen[l]++
	}
	for l := range want {
		if seen[l] != 1 {
			t.Errorf("line seen %d times: %s", seen[l], l)
		}
	}
	if len(got) != len(want) || len(want) != writers*each {
		t.Errorf("%d lines read back, %d written, want %d", len(got), len(want), writers*each)
	}
	// What stayed is new; what went is old.
	f, err := os.ReadFile(recorder.HistoryPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(f, []byte("\n")); n != writers*each/2 || bytes.Contains(f, []byte(`"2024-`)) {
		t.Errorf("history holds %d lines (want %d), old ones among them: %v", n, writers*each/2, bytes.Contains(f, []byte(`"2024-`)))
	}
	t.Logf("%d prunes ran while the writers wrote", prunes)
}

// TestDryRunChangesNothing: a dry run reports what a real run then does.
func TestDryRunChangesNothing(t *testing.T) {
	dir := t.TempDir()
	hist := line("a", 1, "2024-01-05T10:00:00.000Z") + line("b", 2, "2026-01-05T10:00:00.000Z")
	if err := os.WriteFile(recorder.HistoryPath(dir), []byte(hist), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "2024-01-05"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2024-01-05", "a-1.md"), []byte("# a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opt := Options{LogsDir: dir, Cut: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Archive: true, DryRun: true}
	dry, err := Run(opt)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(recorder.HistoryPath(dir)); string(b) != hist {
		t.Errorf("a dry run changed the history: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "2024-01-05", "a-1.md")); err != nil {
		t.Errorf("a dry run removed a log: %v", err)
	}
	opt.DryRun = false
	real, err := Run(opt)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Lines != 1 || dry.Lines != real.Lines || dry.Logs != real.Logs || dry.LineBytes != real.LineBytes || dry.ArchiveBytes != real.ArchiveBytes || dry.Freed() != real.Freed() {
		t.Errorf("dry run %+v, real run %+v", dry, real)
	}
}

// TestLinkedArchiveRefused: a symlink planted as an archive is not written
// through, and the history keeps its lines.
func TestLinkedArchiveRefused(t *testing.T) {
	dir := t.TempDir()
	hist := line("a", 1, "2024-01-05T10:00:00.000Z")
	os.WriteFile(recorder.HistoryPath(dir), []byte(hist), 0o600)
	os.Mkdir(filepath.Join(dir, ArchiveDir), 0o700)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(victim, filepath.Join(dir, ArchiveDir, "history-2024-01.jsonl.gz")); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(Options{LogsDir: dir, Cut: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Archive: true}); err == nil {
		t.Fatal("archived through a link")
	}
	if b, _ := os.ReadFile(recorder.HistoryPath(dir)); string(b) != hist {
		t.Errorf("history changed: %q", b)
	}
	if _, err := os.Lstat(victim); err == nil {
		t.Error("wrote through the link")
	}
}
