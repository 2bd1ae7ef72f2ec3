//go:build unix

package metrics

import "syscall"

func syscallUmask(m int) int { return syscall.Umask(m) }
