//go:build windows

package fsutil

import (
	"fmt"
	"os"
)

// oNoFollow is 0: Windows has no O_NOFOLLOW. The temporary file is
// created O_EXCL under a fresh name, so no planted link can be followed.
const oNoFollow = 0

// writeInto refuses: Windows has no FIFOs or character devices that ccq
// writes into, so an existing target that is not a regular file (a link,
// a directory, a device name) is left alone with a clear error.
func writeInto(path string, _ []byte) error {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symlink; ccq does not write through links (name the file itself): %w", path, ErrSymlink)
	}
	return fmt.Errorf("%s %w", path, ErrNotRegular)
}
