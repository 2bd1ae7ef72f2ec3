//go:build unix

package recorder

import (
	"io/fs"
	"syscall"
)

func ownerUID(st fs.FileInfo) (int, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(s.Uid), true
}

// noFollow makes the open refuse a final symlink (ELOOP).
const noFollow = syscall.O_NOFOLLOW

// refuseLink has nothing to do on Unix: O_NOFOLLOW refuses at open.
func refuseLink(path string) error { return nil }
