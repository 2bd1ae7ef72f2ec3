//go:build unix

package sessionlog

import "syscall"

// noFollow makes an open refuse a final symlink.
const noFollow = syscall.O_NOFOLLOW

// refuseLink has nothing to do on Unix: O_NOFOLLOW refuses at open.
func refuseLink(path string) error { return nil }
