//go:build unix

package stats

import (
	"os"
	"syscall"
)

// fileID is the device and inode of a file: a history replaced or rotated
// under the same name has another.
func fileID(st os.FileInfo) (dev, ino uint64) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Dev), uint64(s.Ino)
	}
	return 0, 0
}
