// Package shquote quotes words for a POSIX shell. ccq needs it twice: for
// the hook command it writes into Claude Code's settings (run with /bin/sh -c)
// and for the command line it shows in a session log.
package shquote

import "strings"

// Quote makes s one word for /bin/sh: left as it is when every character is
// plainly safe, otherwise wrapped in single quotes (an empty s becomes a
// pair of them).
func Quote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
