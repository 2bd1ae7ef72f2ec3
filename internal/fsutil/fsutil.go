// Package fsutil is ccq's one way to replace a file: a new file beside it,
// synced, renamed over it (natefinch/atomic), and the checks that keep a
// name someone planted (a link, a FIFO, a device) from redirecting or
// hanging the write. recorder, install, the metrics textfile, the summary
// cache, report -o and the scheduler's unit files all write through it.
package fsutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/natefinch/atomic"
)

// ErrSymlink is wrapped by every refusal to write through a symlink.
var ErrSymlink = errors.New("is a symlink; ccq does not write through links it did not make")

// ErrNotRegular is wrapped by every refusal of a FIFO, device, socket or
// directory where ccq expects a regular file.
var ErrNotRegular = errors.New("is not a regular file (FIFOs and devices are refused)")

// TempInfix marks ccq's temporary files: NAME.ccq-tmp-DIGITS beside NAME.
// A process killed mid-write leaves one behind; install removes those of
// the settings files it edits.
const TempInfix = ".ccq-tmp-"

// WriteFileAtomic replaces path with data, or leaves it as it was (see
// Replace). Only a regular file, or nothing, is replaced: a FIFO or
// character device at path, or a link to one (/dev/stdout, /dev/null), is
// written into instead, as `> path` in a shell would; a link to a regular
// file is refused, not replaced and not written through.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case err == nil && !st.Mode().IsRegular():
		return writeInto(path, data)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return replaceBytes(path, data, mode)
}

// ReplaceFile is WriteFileAtomic for a file ccq owns (the summary cache):
// it replaces a regular file or creates one, and refuses anything else at
// path — a link, FIFO or device there is left as it is and nothing is
// written.
func ReplaceFile(path string, data []byte, mode os.FileMode) error {
	return ReplaceFileFrom(path, bytes.NewReader(data), mode, true)
}

// ReplaceFileFrom is ReplaceFile with the content read from r, and without
// the fsync when sync is false: for a file that is only an aid (the stats
// summary cache, checksummed and rebuilt whenever it does not check out),
// which a crash may lose or leave torn, and whose fsync would cost the
// short command writing it several milliseconds.
func ReplaceFileFrom(path string, r io.Reader, mode os.FileMode, sync bool) error {
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %w", path, ErrSymlink)
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("%s %w", path, ErrNotRegular)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return replace(path, r, mode, sync)
}

func replaceBytes(path string, data []byte, mode os.FileMode) error {
	return Replace(path, bytes.NewReader(data), mode)
}

// Replace replaces whatever is at path with r's content and mode (whatever
// the umask): a new temporary file beside it (O_EXCL and O_NOFOLLOW: never
// an existing file, never through a link), synced, and renamed over path
// by natefinch/atomic. The rename replaces a symlink at path rather than
// writing to where it points. Callers that must not replace a link or a
// FIFO check first (WriteFileAtomic, ReplaceFile).
func Replace(path string, r io.Reader, mode fs.FileMode) error {
	return replace(path, r, mode, true)
}

func replace(path string, r io.Reader, mode fs.FileMode, sync bool) (err error) {
	var tmp *os.File
	for tries := 0; ; tries++ {
		// The name need not be unguessable: O_EXCL refuses one someone
		// else took (crypto/rand would cost ccq-hook's start).
		name := path + TempInfix + strconv.FormatUint(uint64(rand.Uint32()), 10)
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
	if sync {
		if err := tmp.Sync(); err != nil {
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return atomic.ReplaceFile(tmp.Name(), path)
}
