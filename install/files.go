package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/natefinch/atomic"
)

// BackupSuffix is added to a settings file's name for the copy of its
// previous content.
const BackupSuffix = ".ccq-backup"

// tempInfix marks ccq-hook's temporary files: NAME.ccq-tmp-DIGITS beside
// NAME, the settings file or its backup. A process killed mid-write leaves
// one behind; the next install removes it (removeStale).
const tempInfix = ".ccq-tmp-"

// NewFileMode is the mode of a settings file ccq creates, as Claude Code
// creates its own.
const NewFileMode fs.FileMode = 0o644

// file is a settings file on disk.
type file struct {
	path   string // as named
	target string // after symlinks
	data   []byte // nil when absent
	exists bool
	mode   fs.FileMode
}

// load reads the settings file at path. A missing file is not an error.
func load(path string) (*file, error) {
	target, err := resolve(path)
	if err != nil {
		return nil, err
	}
	f := &file{path: path, target: target}
	fi, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", target)
	}
	f.data, err = os.ReadFile(target)
	if err != nil {
		return nil, err
	}
	f.exists, f.mode = true, fi.Mode().Perm()
	return f, nil
}

// writable refuses a file its owner made read-only: that is a choice to
// respect (and root could otherwise overwrite it).
func (f *file) writable() error {
	if f.exists && f.mode&0o200 == 0 {
		return errorOf(ErrReadOnly, "%s is read-only (mode %04o)", f.target, f.mode)
	}
	return nil
}

// contentReader wraps the new content for the write; tests replace it to
// fail or stall in the middle of a write.
var contentReader = func(b []byte) io.Reader { return bytes.NewReader(b) }

// commit carries out plan: the previous content goes to the backup file
// first, then the new content replaces the file atomically. A crash at any
// point leaves the old file or the new one, never a mix. The caller holds
// the folder's lock.
func (f *file) commit(plan Plan) (backup string, err error) {
	if err := f.writable(); err != nil {
		return "", err
	}
	if f.exists {
		backup = f.target + BackupSuffix
		// The settings may hold secrets in "env": the copy is as private as
		// the original.
		if err := writeAtomic(backup, bytes.NewReader(f.data), f.mode); err != nil {
			return "", fmt.Errorf("keep a backup of %s: %w", f.target, err)
		}
	}
	if plan.Remove {
		return backup, os.Remove(f.target)
	}
	mode := f.mode
	if !f.exists {
		mode = NewFileMode
	}
	return backup, writeAtomic(f.target, contentReader(plan.New), mode)
}

// writeAtomic replaces path with r's content and mode: a new temporary file
// beside it (O_EXCL and O_NOFOLLOW: never an existing file, never through a
// link), fsynced, renamed over path. The rename replaces a symlink at path
// rather than writing to where it points, so a link planted at the backup's
// name cannot redirect the write.
func writeAtomic(path string, r io.Reader, mode fs.FileMode) (err error) {
	var tmp *os.File
	for tries := 0; ; tries++ {
		name := path + tempInfix + strconv.FormatUint(uint64(randUint32()), 10)
		tmp, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
		if err == nil || !errors.Is(err, fs.ErrExist) || tries == 100 {
			break
		}
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return atomic.ReplaceFile(tmp.Name(), path)
}

// randUint32 names temporary files. It need not be unguessable: O_EXCL
// refuses a name someone else took (crypto/rand would cost ccq-hook's start).
func randUint32() uint32 { return rand.Uint32() }

// removeStale deletes the temporary files a killed ccq-hook left beside the
// settings file target: only regular files named by ccq-hook's own pattern
// and owned by this user. The caller holds the folder's lock, so no live
// ccq-hook is writing them.
func removeStale(target string) {
	dir, base := filepath.Split(target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !isTemp(e.Name(), base) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil {
			if uid, ok := ownerUID(fi); ok && uid == euid() {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// isTemp tells whether name is one of ccq-hook's temporary files for the
// settings file base or its backup: base[.ccq-backup].ccq-tmp-DIGITS.
func isTemp(name, base string) bool {
	rest, ok := strings.CutPrefix(name, base)
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, BackupSuffix)
	digits, ok := strings.CutPrefix(rest, tempInfix)
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}
