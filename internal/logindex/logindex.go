// Package logindex keeps a short list of the logs directories ccq has
// written a history to, in the user's state directory, so that `ccq runs`
// or `ccq stats` asked where there is no history (cron starts jobs in
// $HOME; a user asks from another folder) can say where the runs are.
//
// The list is a hint, never a record: losing it loses nothing, a damaged
// one is ignored, and two writers racing may drop a directory until its
// next run adds it back. It holds at most Max directories, one absolute
// path a line, oldest first.
package logindex

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"github.com/ccq-dev/ccq/internal/fsutil"
	"github.com/ccq-dev/ccq/internal/regfile"
)

// Max bounds the directories the index keeps; adding one more drops the
// oldest.
const Max = 20

// Name is the index file's name inside ccq's state directory.
const Name = "logdirs"

// maxSize bounds what is read of the index: Max paths of up to a few
// hundred bytes each fit easily; anything larger is not ccq's and is
// ignored.
const maxSize = 64 << 10

// historyName is recorder.HistoryName, not imported so that the recorder
// may note a directory itself one day.
const historyName = "history.jsonl"

const header = "# logs directories ccq wrote a history to (ccq runs and ccq stats name them); one a line, oldest first\n"

// Path is where the index lives, from the environment env (never the
// process's own, so tests can move it):
//
//   - $XDG_STATE_HOME/ccq/logdirs when XDG_STATE_HOME is an absolute path
//     (on every system: whoever sets it asks for it);
//   - Windows: %LocalAppData%\ccq\logdirs;
//   - macOS: ~/Library/Application Support/ccq/logdirs;
//   - elsewhere: ~/.local/state/ccq/logdirs (the XDG default).
//
// It is "" when there is no absolute base to put it under, and nothing is
// kept when that base (the home directory, say) does not exist.
func Path(env map[string]string) string {
	_, path := locate(runtime.GOOS, env)
	return path
}

func pathFor(goos string, env map[string]string) string {
	_, path := locate(goos, env)
	return path
}

// locate is Path for the system goos, with the directory it is under that
// must exist already: ccq never creates a home directory (testscript's
// HOME=/no-home, a service account's missing one). $XDG_STATE_HOME is
// created if need be, as the XDG spec asks: base is "" then.
func locate(goos string, env map[string]string) (base, path string) {
	if d := env["XDG_STATE_HOME"]; isAbs(goos, d) {
		return "", join(goos, d, "ccq", Name)
	}
	switch goos {
	case "windows":
		if d := env["LOCALAPPDATA"]; isAbs(goos, d) {
			return d, join(goos, d, "ccq", Name)
		}
		return "", ""
	case "darwin", "ios":
		if h := env["HOME"]; isAbs(goos, h) {
			return h, join(goos, h, "Library", "Application Support", "ccq", Name)
		}
		return "", ""
	}
	if h := env["HOME"]; isAbs(goos, h) {
		return h, join(goos, h, ".local", "state", "ccq", Name)
	}
	return "", ""
}

// isAbs is filepath.IsAbs for the system goos, so Path's rules for other
// systems can be tested here.
func isAbs(goos, p string) bool {
	if goos != "windows" {
		return strings.HasPrefix(p, "/")
	}
	// C:\x or \\server\share.
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
}

func join(goos string, elem ...string) string {
	if goos == runtime.GOOS {
		return filepath.Join(elem...)
	}
	sep := "/"
	if goos == "windows" {
		sep = `\`
	}
	return strings.Join(elem, sep)
}

// Read returns the directories in the index at path, oldest first. A
// missing, unreadable, oversized or non-regular index (a link, a FIFO) is
// an empty list; a line that is not a clean absolute path is skipped.
// Read creates nothing.
func Read(path string) []string {
	if path == "" {
		return nil
	}
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxSize {
		return nil
	}
	// regfile checks what it opened (the path may have changed since the
	// Lstat) and never blocks on a FIFO put there meanwhile.
	f, err := regfile.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil || len(b) > maxSize {
		return nil
	}
	return parse(b)
}

// parse keeps the valid, distinct paths of an index, the last Max of them.
func parse(b []byte) []string {
	var dirs []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxSize+1)
	for sc.Scan() {
		d := sc.Text()
		if !valid(d) || seen[d] {
			continue
		}
		seen[d] = true
		dirs = append(dirs, d)
	}
	if len(dirs) > Max {
		dirs = dirs[len(dirs)-Max:]
	}
	return dirs
}

// valid: an absolute, clean path of printable characters (a control
// character would let a planted index move the user's terminal cursor).
func valid(d string) bool {
	if d == "" || !filepath.IsAbs(d) || filepath.Clean(d) != d {
		return false
	}
	for _, r := range d {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Note adds the logs directory dir to the index at Path(env) unless it is
// there already, which is the common case and costs one read of a small
// file. Adding rewrites the index atomically (0600, never through a link),
// keeps the last Max directories, and drops those whose history has gone
// (a test's temporary directory, a removed project), so the list stays
// about where runs are. The state directory is created 0700 if needed.
//
// Errors are for the caller to ignore or log: the index is only a hint.
func Note(env map[string]string, dir string) error {
	base, path := locate(runtime.GOOS, env)
	if path == "" {
		return nil
	}
	if st, err := os.Stat(base); base != "" && (err != nil || !st.IsDir()) {
		return nil // no home to keep it in; see locate
	}
	if !filepath.IsAbs(dir) {
		return errors.New("logs directory is not an absolute path: " + dir)
	}
	dir = filepath.Clean(dir)
	if !valid(dir) {
		return errors.New("logs directory name has control characters; not indexed")
	}
	old := Read(path)
	for _, d := range old {
		if d == dir {
			return nil
		}
	}
	keep := make([]string, 0, len(old)+1)
	for _, d := range old {
		if _, err := os.Lstat(filepath.Join(d, historyName)); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		keep = append(keep, d)
	}
	keep = append(keep, dir)
	if len(keep) > Max {
		keep = keep[len(keep)-Max:]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header)
	for _, d := range keep {
		b.WriteString(d)
		b.WriteByte('\n')
	}
	return fsutil.ReplaceFile(path, []byte(b.String()), 0o600)
}
