package recorder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// The files ccq reads by a name a user or another program chose (task
// files, the summary cache, a transcript) are opened once and checked on
// the handle: a FIFO would hang the read, /dev/zero would fill memory, and
// a stat by name before the read could be beaten by a swap. The files ccq
// writes by a name the user chose (report -o, the metrics textfile) are
// replaced only when they are regular files; a FIFO or character device
// there is written into, as a shell redirection would.

// ErrNotRegular is wrapped by every refusal of a FIFO, device, socket or
// directory where ccq expects a regular file.
var ErrNotRegular = errors.New("is not a regular file (FIFOs and devices are refused)")

// ErrTooLarge is wrapped by ReadRegular when the file is over its limit.
var ErrTooLarge = errors.New("is larger than ccq reads")

// OpenRegular opens path for reading and refuses, on the open handle,
// anything but a regular file. O_NONBLOCK keeps the open of a FIFO from
// waiting for a writer; it does nothing to a regular file.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s %w", path, ErrNotRegular)
	}
	return f, nil
}

// ReadRegular reads the regular file at path, at most limit bytes, from
// one handle (OpenRegular). A longer file is an error wrapping ErrTooLarge.
func ReadRegular(path string, limit int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s %w (more than %d bytes)", path, ErrTooLarge, limit)
	}
	return b, nil
}

// writeInto writes data into the existing non-regular file at path (a
// FIFO or character device, or a link to one such as /dev/stdout), as
// `> path` in a shell would, instead of replacing it. The open does not
// create or truncate, and is O_NONBLOCK, so a FIFO nobody reads fails at
// once (ENXIO) instead of hanging; what the open handle turns out to be is
// checked before anything is written: a regular file reached through a
// link is refused (nothing is written through a final symlink), and so are
// block devices, sockets and directories.
func writeInto(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	switch {
	case errors.Is(err, syscall.ENXIO):
		return fmt.Errorf("%s: a FIFO with no reader (or a socket); ccq does not wait for one", path)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s is a dangling symlink; ccq does not write through links: %w", path, ErrSymlink)
	case err != nil:
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	switch m := st.Mode(); {
	case m.IsRegular():
		f.Close()
		return fmt.Errorf("%s is a symlink to a regular file; ccq does not write through links (name the file itself): %w", path, ErrSymlink)
	case m&fs.ModeNamedPipe == 0 && m&fs.ModeCharDevice == 0:
		f.Close()
		return fmt.Errorf("%s %w; only a FIFO or a character device is written into", path, ErrNotRegular)
	}
	// Writes block from here on (Fd clears O_NONBLOCK): a reader that is
	// there but slow is waited for, as a shell pipe would.
	_ = f.Fd()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReplaceFile is WriteFileAtomic for a file ccq owns (the summary cache):
// it replaces a regular file or creates one, and refuses anything else at
// path — a link, FIFO or device there is left as it is and nothing is
// written.
func ReplaceFile(path string, data []byte, mode os.FileMode) error {
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %w", path, ErrSymlink)
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("%s %w", path, ErrNotRegular)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return replaceFile(path, data, mode)
}
