package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/natefinch/atomic"
)

// Environment variables install reads. Every path comes from the env map
// handed to Main, never from the process environment.
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
var Scopes = []string{ScopeUser, ScopeProject, ScopeLocal}

// BackupSuffix is added to a settings file's name for the copy of its
// previous content.
const BackupSuffix = ".ccq-backup"

// newFileMode is the mode of a settings file ccq creates, as Claude Code
// creates its own.
const newFileMode fs.FileMode = 0o644

// SettingsPath is the settings file of scope: the user's
// ($CLAUDE_CONFIG_DIR or $HOME/.claude)/settings.json, the project's
// .claude/settings.json or .claude/settings.local.json. The project is
// $CLAUDE_PROJECT_DIR, or cwd.
func SettingsPath(scope string, env map[string]string, cwd string) (string, error) {
	project := env[EnvProjectDir]
	if project == "" {
		project = cwd
	}
	switch scope {
	case ScopeUser:
		if dir := env[EnvConfigDir]; dir != "" {
			return abs(filepath.Join(dir, "settings.json"), cwd), nil
		}
		home := env[EnvHome]
		if home == "" {
			return "", withHint(errors.New("HOME is not set, so the user settings cannot be found"),
				"set HOME, or name the file with --settings")
		}
		return abs(filepath.Join(home, ".claude", "settings.json"), cwd), nil
	case ScopeProject:
		return abs(filepath.Join(project, ".claude", "settings.json"), cwd), nil
	case ScopeLocal:
		return abs(filepath.Join(project, ".claude", "settings.local.json"), cwd), nil
	}
	return "", withHint(fmt.Errorf("unknown scope %q", scope), "use --scope user, project or local")
}

func abs(path, cwd string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	return filepath.Clean(path)
}

// resolve follows symlinks from path to the file that holds the settings,
// which may not exist yet (a dangling link is written through, creating its
// target). Writing the resolved path keeps the link.
func resolve(path string) (string, error) {
	for hops := 0; hops < 40; hops++ {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
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
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// file is a settings file on disk.
type file struct {
	path   string // as named
	target string // after symlinks
	data   []byte // nil when absent
	exists bool
	mode   fs.FileMode
}

// load reads the settings file at path. A missing file is not an error.
func load(path string) (*file, error) {
	target, err := resolve(path)
	if err != nil {
		return nil, err
	}
	f := &file{path: path, target: target}
	fi, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", target)
	}
	f.data, err = os.ReadFile(target)
	if err != nil {
		return nil, err
	}
	f.exists, f.mode = true, fi.Mode().Perm()
	return f, nil
}

// writable refuses a file its owner made read-only: that is a choice to
// respect (and root could otherwise overwrite it).
func (f *file) writable() error {
	if f.exists && f.mode&0o200 == 0 {
		return withHint(fmt.Errorf("%s is read-only (mode %04o)", f.target, f.mode),
			"make it writable (chmod u+w) if ccq may change it, or choose another --scope")
	}
	return nil
}

// writeFile writes a file atomically; a variable so tests can make it fail.
var writeFile = atomic.WriteFile

// contentReader wraps the new content for writeFile; tests replace it to
// fail or stall in the middle of a write.
var contentReader = func(b []byte) io.Reader { return bytes.NewReader(b) }

// commit carries out plan: the previous content goes to the backup file
// first, then the new content replaces the file atomically (a temporary
// file in the same folder, fsynced, renamed over it). A crash at any point
// leaves the old file or the new one, never a mix.
func (f *file) commit(plan Plan) (backup string, err error) {
	if err := f.writable(); err != nil {
		return "", err
	}
	if f.exists {
		backup = f.target + BackupSuffix
		if err := writeFile(backup, bytes.NewReader(f.data)); err != nil {
			return "", fmt.Errorf("keep a backup of %s: %w", f.target, err)
		}
		// The settings may hold secrets in "env": the copy is as private as
		// the original.
		if err := os.Chmod(backup, f.mode); err != nil {
			return "", fmt.Errorf("keep a backup of %s: %w", f.target, err)
		}
	}
	if plan.Remove {
		if err := os.Remove(f.target); err != nil {
			return backup, err
		}
		return backup, nil
	}
	if err := os.MkdirAll(filepath.Dir(f.target), 0o755); err != nil {
		return backup, err
	}
	if err := writeFile(f.target, contentReader(plan.New)); err != nil {
		return backup, err
	}
	if !f.exists {
		if err := os.Chmod(f.target, newFileMode); err != nil {
			return backup, err
		}
	}
	return backup, nil
}
