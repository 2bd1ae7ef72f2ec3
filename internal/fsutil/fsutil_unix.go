//go:build unix

package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// oNoFollow makes an open fail on a final symlink.
const oNoFollow = syscall.O_NOFOLLOW

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
