package recorder

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/ccq-dev/ccq/internal/fsutil"
)

// The files ccq reads by a name a user or another program chose (task
// files, the summary cache, a transcript) are opened once and checked on
// the handle: a FIFO would hang the read, /dev/zero would fill memory, and
// a stat by name before the read could be beaten by a swap. The files ccq
// writes by a name the user chose (report -o, the metrics textfile) are
// replaced (internal/fsutil) only when they are regular files; a FIFO or character device
// there is written into, as a shell redirection would.

// ErrNotRegular is wrapped by every refusal of a FIFO, device, socket or
// directory where ccq expects a regular file; it is fsutil's (see
// ErrSymlink).
var ErrNotRegular = fsutil.ErrNotRegular

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
