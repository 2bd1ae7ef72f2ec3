package recorder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ccq-dev/ccq/internal/fsutil"
)

// ccq often runs as root (cron, CI runners) in directories other users can
// write to. A link planted where ccq writes would make it append to, or
// create, any file on the system. So nothing ccq writes is opened through a
// final symlink (O_NOFOLLOW), the directories it creates below the logs
// directory must be real directories, and the logs directory itself may be a
// symlink only when the link belongs to the user ccq runs as (or to root):
// a link owned by someone else is refused.

// ErrSymlink is wrapped by every refusal to write through a symlink; it
// is fsutil's, so that one errors.Is holds for the record's files and for
// those written by fsutil.
var ErrSymlink = fsutil.ErrSymlink

// openNoFollow opens path with flags, never through a final symlink.
func openNoFollow(path string, flags int, perm os.FileMode) (*os.File, error) {
	if err := refuseLink(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flags|noFollow, perm)
	if err != nil && errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s %w", path, ErrSymlink)
	}
	return f, err
}

// CheckLogsDir refuses a logs directory that is a symlink owned by another
// user than the one ccq runs as (root's links are trusted). A missing
// directory is fine: ccq creates it.
func CheckLogsDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	if uid, ok := ownerUID(st); ok && uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("logs directory %s is a symlink owned by uid %d, not by the user ccq runs as: %w", dir, uid, ErrSymlink)
	}
	return nil
}

// MkdirNoFollow creates dir below the logs directory logs (and the logs
// directory itself) with DirMode. Every directory from logs down to dir
// must be a real directory, not a symlink; logs itself is held to
// CheckLogsDir's rule.
func MkdirNoFollow(logs, dir string) error {
	if err := CheckLogsDir(logs); err != nil {
		return err
	}
	if err := os.MkdirAll(logs, DirMode); err != nil {
		return err
	}
	rel, err := filepath.Rel(logs, dir)
	if err != nil {
		return err
	}
	if rel == "." {
		return nil
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is not below the logs directory %s", dir, logs)
	}
	cur := logs
	for _, p := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, p)
		if err := mkdirOne(cur); err != nil {
			return err
		}
	}
	return nil
}

// mkdirOne creates dir, or accepts it if it is already a real directory.
func mkdirOne(dir string) error {
	err := os.Mkdir(dir, DirMode)
	if err == nil || !errors.Is(err, fs.ErrExist) {
		return err
	}
	return realDir(dir)
}

// realDir reports an error if dir exists as something other than a real
// directory (a symlink above all). A missing dir is reported as such.
func realDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %w", dir, ErrSymlink)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	return nil
}

// CreateExclusive creates a new file path (in a directory made with
// MkdirNoFollow) for writing, refusing an existing file or link there.
func CreateExclusive(path string) (*os.File, error) {
	return openNoFollow(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, FileMode)
}

// OpenNoFollow opens path with flags, never through a final symlink (an
// error wrapping ErrSymlink), and refuses anything but a regular file on
// the open handle (ErrNotRegular). Add O_NONBLOCK to flags where a FIFO
// at path must not block the open.
func OpenNoFollow(path string, flags int, perm os.FileMode) (*os.File, error) {
	f, err := openNoFollow(path, flags, perm)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s %w", path, ErrNotRegular)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
