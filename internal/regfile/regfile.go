// Package regfile opens a file for reading only when it is a regular file:
// a FIFO or a device put where a history or a CLAUDE.md should be is
// refused, never read (opening a FIFO would block until a writer came).
package regfile

import (
	"errors"
	"os"
)

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading if it is a regular file (after symlinks).
func Open(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	// The path may have been swapped between the two looks.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return f, nil
}
