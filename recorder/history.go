package recorder

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Permissions of everything ccq creates: session output can hold secrets.
const (
	DirMode  os.FileMode = 0o700
	FileMode os.FileMode = 0o600
)

// maxLine bounds one history line; a longer one is written anyway but a
// reader treats it as malformed.
const maxLine = 1 << 20

// Append adds e to the history file in logs directory dir.
//
// Many Claude Code sessions and launchers append at once, so the line is
// written with a single write(2) on an O_APPEND descriptor while holding an
// exclusive flock on the file. If an earlier writer crashed mid-line, a
// newline is written first so the torn line cannot swallow this one. If the
// write fails part way (a full disk), the file is truncated back to where it
// was, so nothing already recorded is damaged.
func Append(dir string, e *Entry) error {
	line, err := e.Marshal()
	if err != nil {
		return fmt.Errorf("encode history line: %w", err)
	}
	return AppendLine(HistoryPath(dir), line)
}

// AppendLine appends one complete line (ending in '\n') to path under the
// rules described at Append.
func AppendLine(path string, line []byte) error {
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return errors.New("history line must end in a newline")
	}
	if err := MkdirNoFollow(dirOf(path), dirOf(path)); err != nil {
		return fmt.Errorf("create logs directory: %w", err)
	}
	// Each retry follows a completed rewrite, so this loops only while
	// prunes keep finishing back to back; it gives up after a while rather
	// than never.
	for give := time.Now().Add(replacedPatience); ; {
		f, err := LockHistory(path)
		if errors.Is(err, errReplaced) && time.Now().Before(give) {
			continue // a prune swapped the file while we waited: open the new one
		}
		if err != nil {
			return err
		}
		err = appendLocked(f, line)
		f.Close()
		return err
	}
}

// replacedPatience bounds how long Append keeps following a history file
// that rewrites keep replacing.
const replacedPatience = time.Minute

// errReplaced says the history file was renamed over while waiting for
// its lock.
var errReplaced = errors.New("history replaced while waiting for its lock")

// ErrReplaced is returned by LockHistory when the file was renamed over
// while it waited for the lock (another prune): lock again.
var ErrReplaced = errReplaced

// LockHistory opens the history file at path (creating it, never through a
// link) and takes its exclusive lock: the lock every appender takes, and
// that a rewrite of the file (ccq prune) holds while it renames a new file
// over this one. Closing the file releases the lock. If the file was
// replaced while waiting, it returns an error wrapping errReplaced (Append
// retries).
func LockHistory(path string) (*os.File, error) {
	f, err := openNoFollow(path, os.O_APPEND|os.O_CREATE|os.O_RDWR, FileMode)
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock history: %w", err)
	}
	held, err1 := f.Stat()
	now, err2 := os.Lstat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close()
		return nil, errReplaced
	}
	return f, nil
}

// appendLocked writes line at the end of the locked file f.
func appendLocked(f *os.File, line []byte) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat history: %w", err)
	}
	size := st.Size()
	if size > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	n, err := f.Write(line)
	if err != nil || n != len(line) {
		// Do not leave half a line behind for the next writer.
		_ = f.Truncate(size)
		if err == nil {
			err = io.ErrShortWrite
		}
		return fmt.Errorf("append history: %w", err)
	}
	return nil
}

func dirOf(path string) string {
	i := len(path) - 1
	for i >= 0 && !os.IsPathSeparator(path[i]) {
		i--
	}
	if i < 0 {
		return "."
	}
	if i == 0 {
		return path[:1]
	}
	return path[:i]
}

// LineFunc receives one well-formed history line and its 1-based number.
// The slice is only valid during the call.
type LineFunc func(lineNo int, line []byte) error

// ScanStats says what a scan skipped.
type ScanStats struct {
	Lines        int // lines read, blank ones excluded
	Skipped      int // malformed or torn lines skipped
	FirstSkipped int // line number of the first skipped line, 0 if none
}

// ScanLines streams r line by line without loading it whole. Lines that do
// not look like a JSON object (torn by a crash, truncated, garbage) are
// counted in ScanStats and skipped; fn sees only the others. valid, if not
// nil, decides whether a line is well-formed.
func ScanLines(r io.Reader, valid func([]byte) bool, fn LineFunc) (ScanStats, error) {
	var st ScanStats
	br := bufio.NewReaderSize(r, 256<<10)
	lineNo := 0
	for {
		line, err := readLine(br)
		if err == nil || len(line) > 0 {
			lineNo++
			line = bytes.TrimSpace(line)
			if len(line) > 0 {
				st.Lines++
				ok := len(line) >= 2 && line[0] == '{' && line[len(line)-1] == '}' && len(line) <= maxLine
				if ok && valid != nil {
					ok = valid(line)
				}
				if !ok {
					st.Skipped++
					if st.FirstSkipped == 0 {
						st.FirstSkipped = lineNo
					}
				} else if ferr := fn(lineNo, line); ferr != nil {
					return st, ferr
				}
			}
		}
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
	}
}

// readLine returns the next line without its newline. Lines longer than the
// reader's buffer are assembled; lines beyond maxLine are returned truncated
// (and so fail validation) rather than growing memory without bound.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == nil {
		return line[:len(line)-1], nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	buf := append([]byte(nil), line...)
	for {
		line, err = br.ReadSlice('\n')
		if len(buf) < maxLine+1 {
			buf = append(buf, line...)
		}
		if err == nil {
			return bytes.TrimSuffix(buf, []byte{'\n'}), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

// SyncHistory flushes the history file in logs directory dir to disk: a
// writer that goes on to slow work after its line (ccq-hook rendering a
// session log) makes the line durable first.
func SyncHistory(dir string) error {
	f, err := OpenNoFollow(HistoryPath(dir), os.O_RDONLY, FileMode)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
