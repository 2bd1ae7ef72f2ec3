package prune

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

// writeGzip writes n bytes of repeated history lines, gzipped, to p.
func writeGzip(t *testing.T, p string, n int64) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	l := line("bomb", 1, "2024-01-10T10:00:00.000Z")
	if _, err := io.CopyN(zw, strings.NewReader(strings.Repeat(l, int(n)/len(l)+1)), n); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestArchiveBomb: an archive that decompresses past MaxArchiveBytes is an
// error naming the file, and the copy --include-archives reads is not left
// behind; one just under the bound is read whole.
func TestArchiveBomb(t *testing.T) {
	defer func(n int64) { MaxArchiveBytes = n }(MaxArchiveBytes)
	MaxArchiveBytes = 256 << 10 // the test's bound; the real one is 1 GiB
	logs := t.TempDir()
	os.Mkdir(filepath.Join(logs, ArchiveDir), 0o700)
	ok := filepath.Join(logs, ArchiveDir, "history-2024-01.jsonl.gz")
	bomb := filepath.Join(logs, ArchiveDir, "history-2024-02.jsonl.gz")
	writeGzip(t, ok, MaxArchiveBytes)
	writeGzip(t, bomb, 32*MaxArchiveBytes)
	if st, _ := os.Stat(bomb); st.Size() > MaxArchiveBytes/4 {
		t.Fatalf("the bomb is %d bytes compressed: not a bomb", st.Size())
	}
	dir := t.TempDir()
	_, err := Combined(dir, recorder.HistoryPath(logs))
	if !errors.Is(err, ErrArchiveTooLarge) || !strings.Contains(err.Error(), bomb) {
		t.Errorf("Combined with a bomb: %v, want ErrArchiveTooLarge naming %s", err, bomb)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left in the temporary directory: %v", ents)
	}
	os.Remove(bomb)
	p, err := Combined(dir, recorder.HistoryPath(logs))
	if err != nil {
		t.Fatalf("an archive of exactly the bound: %v", err)
	}
	if st, _ := os.Stat(p); st.Size() < MaxArchiveBytes {
		t.Errorf("copy is %d bytes, want the whole archive", st.Size())
	}
}
