// Package clierr is the one message format of ccq's binaries, after age:
//
//	ccq: error: open logs/scheduler/history.jsonl: permission denied
//	ccq: hint: set --logs-dir or $CCQ_LOGS_DIR
//
// lower case, no final period, printed once at the top of the program.
package clierr

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Hinted is an error with advice for the user, printed on "hint:" lines
// below the error.
type Hinted struct {
	Err  error
	Hint string
}

func (h *Hinted) Error() string { return h.Err.Error() }
func (h *Hinted) Unwrap() error { return h.Err }

// WithHint attaches hint (one or more lines) to err.
func WithHint(err error, hint string) error { return &Hinted{Err: err, Hint: hint} }

// Print writes err as "prog: error: …" and then each line of its hint, if it
// has one, as "prog: hint: …".
func Print(w io.Writer, prog string, err error) {
	fmt.Fprintf(w, "%s: error: %s\n", prog, strings.TrimSuffix(err.Error(), "."))
	var h *Hinted
	if errors.As(err, &h) && h.Hint != "" {
		for _, line := range strings.Split(h.Hint, "\n") {
			fmt.Fprintf(w, "%s: hint: %s\n", prog, line)
		}
	}
}

// Warn writes a warning in the same format: "prog: warning: …".
func Warn(w io.Writer, prog, format string, args ...any) {
	fmt.Fprintf(w, "%s: warning: %s\n", prog, strings.TrimSuffix(fmt.Sprintf(format, args...), "."))
}
