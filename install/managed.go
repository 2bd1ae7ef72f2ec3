package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ScopeManaged is Claude Code's managed settings: one file for every user
// of the machine, which Claude Code reads even under --bare. It is the one
// settings route by which a `claude -p --bare` run reaches ccq-hook.
const ScopeManaged = "managed"

// ManagedEvents are the events registered in the managed settings. Under
// --bare, Claude Code 2.1.328 fires UserPromptSubmit, Stop and SessionEnd
// from managed settings but not SessionStart, so the run's first sign of
// life there is UserPromptSubmit; SessionStart stays for runs without
// --bare.
var ManagedEvents = []string{"SessionStart", "UserPromptSubmit", "Stop", "StopFailure", "SessionEnd"}

// ManagedFile is the name of the managed settings file in its folder.
const ManagedFile = "managed-settings.json"

// ManagedSettingsPath is the managed settings file on goos, where Claude
// Code 2.1.328 looks for it. On Windows earlier releases (and older
// documentation) used C:\ProgramData\ClaudeCode; 2.1.328 reads
// C:\Program Files\ClaudeCode. Every other system is taken as Linux.
func ManagedSettingsPath(goos string) string {
	switch goos {
	case "darwin":
		return "/Library/Application Support/ClaudeCode/" + ManagedFile
	case "windows":
		return `C:\Program Files\ClaudeCode\` + ManagedFile
	}
	return "/etc/claude-code/" + ManagedFile
}

// Options say what a change registers and what the file asks of it.
type Options struct {
	// Events are registered by an install; nil means Events.
	Events []string
	// Managed marks the managed settings: written only with root's (or an
	// administrator's) rights, and a folder created for it is readable by
	// every user whatever the umask.
	Managed bool
}

// ScopeOptions are the options for the settings file of scope.
func ScopeOptions(scope string) Options {
	if scope == ScopeManaged {
		return Options{Events: ManagedEvents, Managed: true}
	}
	return Options{Events: Events}
}

// EventsFor lists the events an install in scope registers.
func EventsFor(scope string) []string { return ScopeOptions(scope).events() }

func (o Options) events() []string {
	if o.Events == nil {
		return Events
	}
	return o.Events
}

// mayWrite refuses to change the managed settings without the rights to:
// not root on Unix. Claude Code treats a managed file its own user could
// write as not managed, so one written by an ordinary user would be
// useless even where the folder lets them.
func (o Options) mayWrite(target string) error {
	if !o.Managed {
		return nil
	}
	if uid := euid(); uid > 0 {
		return errorOf(ErrNoRights, "%s: only root may change the managed settings, and this is uid %d", target, uid)
	}
	return nil
}

// noRights turns a permission error on the managed settings into
// ErrNoRights, which says what to do about it.
func (o Options) noRights(target string, err error) error {
	if o.Managed && errors.Is(err, fs.ErrPermission) {
		return errorOf(ErrNoRights, "cannot write %s: %v", target, err)
	}
	return err
}

// mkdir creates the folder of the settings file target. The managed
// settings' folder is made readable by every user: a root umask of 077
// would otherwise hide the file from every run but root's.
func (o Options) mkdir(target string) error {
	dir := filepath.Dir(target)
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if o.Managed && errors.Is(statErr, fs.ErrNotExist) {
		if err := os.Chmod(dir, 0o755); err != nil {
			return fmt.Errorf("make %s readable: %w", dir, err)
		}
	}
	return nil
}
