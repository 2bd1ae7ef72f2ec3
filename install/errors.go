package install

import (
	"errors"
	"fmt"
)

// The kinds of error install returns, for errors.Is: a caller decides its
// exit code and advice from the kind, and prints the error as it is. Errors
// of no listed kind come from the file system (unreadable, unwritable, disk
// full).
var (
	// ErrMalformed: the settings are not valid JSON or have the wrong shape
	// (every *FormatError).
	ErrMalformed = errors.New("malformed settings")
	// ErrUnknownScope: a scope other than user, project, local or managed.
	ErrUnknownScope = errors.New("unknown scope")
	// ErrNoHome: the user scope was asked for without HOME.
	ErrNoHome = errors.New("HOME is not set, so the user settings cannot be found")
	// ErrReadOnly: the settings file's owner made it read-only.
	ErrReadOnly = errors.New("read-only")
	// ErrSymlink: a link on the way to the settings file, or the file it
	// leads to, belongs to another user (see resolve).
	ErrSymlink = errors.New("untrusted symlink")
	// ErrNoRights: the managed settings were to be changed without root's
	// (on Windows an administrator's) rights.
	ErrNoRights = errors.New("no rights to change the managed settings")
)

// kindError is an error of one of the kinds above, with its own message.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }

func errorOf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
