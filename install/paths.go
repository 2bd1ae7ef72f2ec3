package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/ccq-dev/ccq/recorder"
)

// Environment variables install reads. Every path comes from the env map a
// caller hands in, never from the process environment.
const (
	EnvHome       = "HOME"
	EnvConfigDir  = "CLAUDE_CONFIG_DIR"       // moves ~/.claude (Claude Code's own variable)
	EnvProjectDir = recorder.EnvProjectDir    // the project, when Claude Code runs us
	EnvPluginDirs = "CLAUDE_CODE_PLUGIN_DIRS" // plugin folders Claude Code loads
)

// The settings scopes, as Claude Code names them.
const (
	ScopeUser    = "user"
	ScopeProject = "project"
	ScopeLocal   = "local"
)

// Scopes lists the scopes in the order status reports them.
var Scopes = []string{ScopeUser, ScopeProject, ScopeLocal, ScopeManaged}

// SettingsPath is the settings file of scope: the user's
// ($CLAUDE_CONFIG_DIR or $HOME/.claude)/settings.json, the project's
// .claude/settings.json or .claude/settings.local.json, or the machine's
// managed settings (ManagedSettingsPath). The project is
// $CLAUDE_PROJECT_DIR, or cwd.
func SettingsPath(scope string, env map[string]string, cwd string) (string, error) {
	project := env[EnvProjectDir]
	if project == "" {
		project = cwd
	}
	switch scope {
	case ScopeUser:
		if dir := env[EnvConfigDir]; dir != "" {
			return Abs(filepath.Join(dir, "settings.json"), cwd), nil
		}
		home := env[EnvHome]
		if home == "" {
			return "", ErrNoHome
		}
		return Abs(filepath.Join(home, ".claude", "settings.json"), cwd), nil
	case ScopeProject:
		return Abs(filepath.Join(project, ".claude", "settings.json"), cwd), nil
	case ScopeLocal:
		return Abs(filepath.Join(project, ".claude", "settings.local.json"), cwd), nil
	case ScopeManaged:
		return ManagedSettingsPath(runtime.GOOS), nil
	}
	return "", errorOf(ErrUnknownScope, "unknown scope %q", scope)
}

// Abs is path made absolute against cwd, and cleaned.
func Abs(path, cwd string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	return filepath.Clean(path)
}

// euid is the user ccq-hook runs as; a variable so tests can be someone else.
var euid = os.Geteuid

// untrusted tells whether fi, a link on the way to the settings or the file
// it leads to, belongs to someone other than the user we run as and root
// (under root: to anyone but root), and to whom.
func untrusted(fi fs.FileInfo) (uid int, bad bool) {
	uid, ok := ownerUID(fi)
	return uid, ok && uid != euid() && uid != 0
}

// resolve follows symlinks from path to the file that holds the settings,
// which may not exist yet (a dangling link is written through, creating its
// target). Writing the resolved path keeps the link.
//
// A link is followed only when it, every link after it and the file it
// leads to belong to the user we run as (or to root): a link someone else
// planted, say in a shared project folder, cannot make ccq-hook rewrite a
// file it points at. A dotfile manager's link (stow) is the user's own and
// is followed. Folders above the file are taken as they are.
func resolve(path string) (string, error) {
	named := path
	for hops := 0; hops < 40; hops++ {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		isLink := fi.Mode()&fs.ModeSymlink != 0
		if uid, bad := untrusted(fi); bad && (isLink || hops > 0) {
			return "", symlinkError(named, path, isLink, uid)
		}
		if !isLink {
			return path, nil
		}
		to, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = filepath.Clean(to)
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", named)
}

func symlinkError(named, path string, isLink bool, uid int) error {
	switch {
	case !isLink:
		return errorOf(ErrSymlink, "%s: is a symlink to %s, which belongs to another user (uid %d)", named, path, uid)
	case path != named:
		return errorOf(ErrSymlink, "%s: leads through the symlink %s, which belongs to another user (uid %d)", named, path, uid)
	}
	return errorOf(ErrSymlink, "%s: is a symlink that belongs to another user (uid %d)", named, uid)
}
