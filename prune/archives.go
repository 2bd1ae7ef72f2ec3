package prune

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ccq-dev/ccq/recorder"
)

// Archives lists the archive files of the logs directory dir, oldest month
// first; none (and no error) when there is no archive folder.
func Archives(dir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(dir, ArchiveDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, "history-") && strings.HasSuffix(n, ".jsonl.gz") && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, ArchiveDir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

// WriteAll writes, in order, every line of the archives beside the history
// at historyPath and then the history's own lines to w: the whole record,
// as one history file for readers that take a path (ccq stats, runs). A
// missing history is no error.
func WriteAll(w io.Writer, historyPath string) error {
	archives, err := Archives(filepath.Dir(historyPath))
	if err != nil {
		return fmt.Errorf("archives: %w", err)
	}
	for _, p := range archives {
		if err := copyArchive(w, p); err != nil {
			return fmt.Errorf("archive %s: %w", p, err)
		}
	}
	f, err := os.Open(historyPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return copyLines(w, f)
}

// MaxArchiveBytes bounds what one archive may decompress to. A month of
// history is far less; a gzip bomb in the archive folder would otherwise
// fill the disk with the copy --include-archives reads. A variable so a
// test can lower it.
var MaxArchiveBytes int64 = 1 << 30

// ErrArchiveTooLarge is wrapped when an archive decompresses to more than
// MaxArchiveBytes.
var ErrArchiveTooLarge = errors.New("decompresses to more than ccq reads of one archive")

func copyArchive(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if errors.Is(err, io.EOF) {
		return nil // empty: a prune that failed before writing to it
	}
	if err != nil {
		return err
	}
	defer zr.Close()
	lr := &io.LimitedReader{R: zr, N: MaxArchiveBytes + 1}
	if err := copyLines(w, lr); err != nil { // concatenated members read as one stream
		return err
	}
	if lr.N <= 0 {
		return fmt.Errorf("%w (%d MiB; a damaged file or a gzip bomb?)", ErrArchiveTooLarge, MaxArchiveBytes>>20)
	}
	return nil
}

// copyLines copies r, ending it with a newline if its last line has none,
// so one file's torn line cannot swallow the next file's first.
func copyLines(w io.Writer, r io.Reader) error {
	var last [1]byte
	tw := &tailWriter{w: w, last: &last}
	n, err := io.Copy(tw, r)
	if err != nil {
		return err
	}
	if n > 0 && last[0] != '\n' {
		_, err = w.Write([]byte{'\n'})
	}
	return err
}

type tailWriter struct {
	w    io.Writer
	last *[1]byte
}

func (t *tailWriter) Write(b []byte) (int, error) {
	if len(b) > 0 {
		t.last[0] = b[len(b)-1]
	}
	return t.w.Write(b)
}

// Combined writes the whole record (WriteAll) to a new private file in
// dir, a private temporary directory the caller made and removes (also on
// a signal: the copy can be as large as the history and its archives), and
// returns its path. Readers such as stats.Compute take a path; the file is
// named so no cache is kept for it.
func Combined(dir, historyPath string) (string, error) {
	p := filepath.Join(dir, "history-with-archives.jsonl")
	f, err := recorder.CreateExclusive(p)
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = WriteAll(bw, historyPath)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return "", err
	}
	return p, nil
}
