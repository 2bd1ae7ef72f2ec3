// Package prune keeps records for years without letting them grow for
// ever: it removes (or, with Archive, moves into compressed monthly
// archives) the history lines of runs that started before a cut, and
// removes the session logs and day directories older than it.
//
// The history is rewritten under the lock every appender takes
// (recorder.LockHistory): the kept lines go to a new file beside it, which
// is synced and renamed over the old one before the lock is let go. An
// appender that waited for the lock finds the file replaced and appends to
// the new one, so a run recorded during a prune is never lost.
package prune

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/recorder"
)

// ArchiveDir is the folder of the archives inside the logs directory.
const ArchiveDir = "archive"

// Options says what to prune.
type Options struct {
	LogsDir string
	// Cut: runs that started before it go. Lines without a readable
	// timestamp are kept: nothing is removed that cannot be dated.
	Cut     time.Time
	DryRun  bool // say what would go; change nothing
	Archive bool // move old history lines into archives instead of removing them
}

// Result says what went (or, in a dry run, would go).
type Result struct {
	Lines        int      // history lines removed or archived
	LineBytes    int64    // their size in the history
	Kept         int      // history lines kept
	Logs         int      // session log files removed
	LogBytes     int64    // their size
	Dirs         []string // day directories removed (or emptied of logs)
	Left         []string // day directories kept because other files are in them
	Archives     []string // archive files written to
	ArchiveBytes int64    // compressed bytes added to the archives
}

// Freed is the disk space the prune gives back.
func (r Result) Freed() int64 { return r.LineBytes + r.LogBytes - r.ArchiveBytes }

// Run prunes the logs directory. The history is done first; if it cannot
// be rewritten (a read-only directory, a full disk), Run returns the error
// with nothing removed, session logs included.
func Run(opt Options) (Result, error) {
	var res Result
	if err := pruneHistory(opt, &res); err != nil {
		return res, err
	}
	if err := pruneLogs(opt, &res); err != nil {
		return res, err
	}
	return res, nil
}

// dayLayout names the day directories (recorder.SessionLogPath).
const dayLayout = "2006-01-02"

// pruneHistory rewrites history.jsonl without the lines older than the
// cut, holding the appenders' lock from the first byte read to the rename.
func pruneHistory(opt Options, res *Result) error {
	path := recorder.HistoryPath(opt.LogsDir)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	lock, err := lockHistory(path)
	if err != nil {
		return err
	}
	defer lock.Close() // the lock is let go only after the rename

	var kept *os.File
	var keptW *bufio.Writer
	var tmp string
	if !opt.DryRun {
		kept, tmp, err = createTemp(opt.LogsDir, ".history-prune-")
		if err != nil {
			return fmt.Errorf("rewrite history: %w", err)
		}
		defer func() {
			if kept != nil {
				kept.Close()
				os.Remove(tmp)
			}
		}()
		keptW = bufio.NewWriterSize(kept, 256<<10)
	}
	arch := newArchiver(opt)
	if err := split(lock, opt.Cut.UnixMilli(), arch, keptW, res); err != nil {
		return err
	}
	if opt.DryRun {
		return arch.measure(res)
	}
	if res.Lines == 0 {
		return nil
	}
	// The archives first, synced: a crash before the rename leaves the
	// lines in both places, never in neither.
	if err := arch.close(res); err != nil {
		return err
	}
	if err := keptW.Flush(); err != nil {
		return fmt.Errorf("rewrite history: %w", err)
	}
	f := kept
	kept = nil // replace closes or removes it
	return replace(f, tmp, path, opt.LogsDir)
}

// lockHistory takes the history's lock, again if the file was replaced
// while it waited.
func lockHistory(path string) (*os.File, error) {
	var lock *os.File
	var err error
	for range 10 {
		lock, err = recorder.LockHistory(path)
		if err == nil || !errors.Is(err, recorder.ErrReplaced) {
			break
		}
	}
	return lock, err
}

// split reads the history from its start: a line older than cutMS goes to
// the archiver, any other non-blank line to kept (nil: a dry run).
func split(hist *os.File, cutMS int64, arch *archiver, kept *bufio.Writer, res *Result) error {
	if _, err := hist.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read history: %w", err)
	}
	br := bufio.NewReaderSize(hist, 256<<10)
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) > 0 {
			if line[len(line)-1] != '\n' {
				line = append(line, '\n') // a torn last line is kept, whole
			}
			if ms, ok := lineTime(line); ok && ms < cutMS {
				res.Lines++
				res.LineBytes += int64(len(line))
				if err := arch.add(ms, line); err != nil {
					return err
				}
			} else if len(bytes.TrimSpace(line)) > 0 {
				res.Kept++
				if kept != nil {
					if _, err := kept.Write(line); err != nil {
						return fmt.Errorf("rewrite history: %w", err)
					}
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("read history: %w", rerr)
		}
	}
}

// replace makes the kept lines, written to tmp through f, the history at
// path: synced, with the history's mode, renamed over it; tmp is removed
// on failure.
func replace(f *os.File, tmp, path, dir string) error {
	err := f.Chmod(recorder.FileMode)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rewrite history: %w", err)
	}
	syncDir(dir)
	return nil
}

// lineTime is the start time of a history line, in unix milliseconds.
func lineTime(line []byte) (int64, bool) {
	ts := gjson.GetBytes(line, "timestamp")
	if ts.Type != gjson.String {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339Nano, ts.Str)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// createTemp creates a new file in dir, never through a link (an attacker
// who can write to dir cannot make ccq write elsewhere).
func createTemp(dir, prefix string) (*os.File, string, error) {
	for range 100 {
		p := filepath.Join(dir, prefix+strconv.FormatInt(time.Now().UnixNano(), 36)+strconv.Itoa(os.Getpid()))
		f, err := recorder.CreateExclusive(p)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return f, p, err
	}
	return nil, "", errors.New("cannot create a temporary file in " + dir)
}

// syncDir makes a rename in dir durable; where a directory cannot be
// synced the rename stands anyway.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// archiver collects the lines that go, one gzip member per month, and
// appends each member to that month's archive
// (archive/history-YYYY-MM.jsonl.gz; gzip readers read concatenated
// members as one stream).
type archiver struct {
	opt    Options
	months map[string]*member
}

type member struct {
	buf bytes.Buffer
	zw  *gzip.Writer
}

func newArchiver(opt Options) *archiver {
	return &archiver{opt: opt, months: map[string]*member{}}
}

func (a *archiver) add(ms int64, line []byte) error {
	if !a.opt.Archive {
		return nil
	}
	month := time.UnixMilli(ms).UTC().Format("2006-01")
	m := a.months[month]
	if m == nil {
		m = &member{}
		m.zw = gzip.NewWriter(&m.buf)
		a.months[month] = m
	}
	_, err := m.zw.Write(line)
	return err
}

// measure says, for a dry run, which archives would grow and by how much.
func (a *archiver) measure(res *Result) error {
	for _, month := range a.sorted() {
		m := a.months[month]
		if err := m.zw.Close(); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		res.Archives = append(res.Archives, a.path(month))
		res.ArchiveBytes += int64(m.buf.Len())
	}
	return nil
}

func (a *archiver) sorted() []string {
	months := make([]string, 0, len(a.months))
	for m := range a.months {
		months = append(months, m)
	}
	sort.Strings(months)
	return months
}

func (a *archiver) path(month string) string {
	return filepath.Join(a.opt.LogsDir, ArchiveDir, "history-"+month+".jsonl.gz")
}

// close appends each month's member to its archive and syncs it.
func (a *archiver) close(res *Result) error {
	if len(a.months) == 0 {
		return nil
	}
	dir := filepath.Join(a.opt.LogsDir, ArchiveDir)
	if err := recorder.MkdirNoFollow(a.opt.LogsDir, dir); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	for _, month := range a.sorted() {
		m := a.months[month]
		if err := m.zw.Close(); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		p := a.path(month)
		if err := appendMember(p, m.buf.Bytes()); err != nil {
			return fmt.Errorf("archive %s: %w", p, err)
		}
		res.Archives = append(res.Archives, p)
		res.ArchiveBytes += int64(m.buf.Len())
	}
	syncDir(dir)
	return nil
}

// appendMember adds one gzip member at the end of the archive at p, never
// through a link and never into a FIFO or device (O_NONBLOCK: a FIFO
// there fails the open instead of hanging it); a failed write is truncated
// back so the archive stays readable.
func appendMember(p string, b []byte) error {
	f, err := recorder.OpenNoFollow(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK, recorder.FileMode)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	undo := func(err error) error {
		if st.Size() == 0 {
			f.Close()
			os.Remove(p) // this prune made it
			return err
		}
		_ = f.Truncate(st.Size())
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		return undo(err)
	}
	if err := f.Sync(); err != nil {
		return undo(err)
	}
	return f.Close()
}
