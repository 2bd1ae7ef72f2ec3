//go:build windows

package sessionlog

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/ccq-dev/ccq/recorder"
)

// noFollow is empty: Windows has no O_NOFOLLOW.
const noFollow = 0

// refuseLink refuses a final symlink found by Lstat before the open. A link
// swapped in between is not caught (the race O_NOFOLLOW closes on Unix).
func refuseLink(path string) error {
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %w", path, recorder.ErrSymlink)
	}
	return nil
}
