package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ccq-dev/ccq/internal/fsutil"
)

// BackupSuffix is added to a settings file's name for the copy of its
// previous content.
const BackupSuffix = ".ccq-backup"

// tempInfix marks the temporary files of fsutil.Replace: NAME.ccq-tmp-DIGITS
// beside NAME, the settings file or its backup. A process killed mid-write
// leaves one behind; the next install removes it (removeStale).
const tempInfix = fsutil.TempInfix

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
		if err := fsutil.Replace(backup, bytes.NewReader(f.data), f.mode); err != nil {
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
	return backup, fsutil.Replace(f.target, contentReader(plan.New), mode)
}

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
