//go:build windows

package recorder

import (
	"fmt"
	"io/fs"
	"os"
)

// ownerUID has no Unix owner to report on Windows: links are refused or
// trusted by openNoFollow's own Lstat check instead.
func ownerUID(st fs.FileInfo) (int, bool) { return 0, false }

// noFollow is what openNoFollow adds to flags: Windows has no O_NOFOLLOW.
const noFollow = 0

// refuseLink stands in for O_NOFOLLOW: it refuses a final symlink found by
// Lstat before the open. A link swapped in between Lstat and open is not
// caught (a race O_NOFOLLOW closes on Unix).
func refuseLink(path string) error {
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %w", path, ErrSymlink)
	}
	return nil
}
