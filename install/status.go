package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// PluginName is the name in ccq's .claude-plugin/plugin.json.
const PluginName = "ccq"

// checkTimeout bounds "<command> version" in status.
const checkTimeout = 5 * time.Second

// ScopeState is what status finds in one settings file.
type ScopeState struct {
	Name     string // scope, or "--settings"
	Path     string
	Exists   bool
	Err      error    // the file could not be read or is malformed
	Events   []string // events with a ccq entry
	Commands []string // distinct ccq commands, in file order
	Plugins  []string // enabledPlugins keys naming ccq, set to true
}

// Installed tells whether any event has a ccq entry.
func (s ScopeState) Installed() bool { return len(s.Events) > 0 }

// Inspect reads one settings file for status; name is its scope.
func Inspect(name, path string) ScopeState {
	st := ScopeState{Name: name, Path: path}
	f, err := load(path)
	if err != nil {
		st.Err = err
		return st
	}
	st.Exists = f.exists
	s, err := parseSettings(f.target, f.data)
	if err != nil {
		st.Err = err
		return st
	}
	seen := map[string]bool{}
	// Every event ccq registers in any scope (the managed scope's are the
	// most), so status sees an entry wherever it is.
	for _, ev := range ManagedEvents {
		hs := s.ccqHooks(ev)
		if len(hs) > 0 {
			st.Events = append(st.Events, ev)
		}
		for _, h := range hs {
			if !seen[h.command] {
				seen[h.command] = true
				st.Commands = append(st.Commands, h.command)
			}
		}
	}
	if ep := s.root.get("enabledPlugins"); ep != nil && ep.kind == kObject {
		for _, m := range ep.members {
			if strings.HasPrefix(m.key, PluginName+"@") && string(s.data[m.val.start:m.val.end]) == "true" {
				st.Plugins = append(st.Plugins, m.key)
			}
		}
	}
	return st
}

// InspectScopes inspects the settings file of every scope, taking the
// managed settings from managed (ManagedSettingsPath, but for tests).
func InspectScopes(env map[string]string, cwd, managed string) []ScopeState {
	var out []ScopeState
	for _, sc := range Scopes {
		path, err := SettingsPath(sc, env, cwd)
		if sc == ScopeManaged {
			path = managed
		}
		if err != nil {
			out = append(out, ScopeState{Name: sc, Err: err})
			continue
		}
		out = append(out, Inspect(sc, path))
	}
	return out
}

// PluginRoutes lists the ways the ccq plugin is switched on: enabledPlugins
// entries and folders named by $CLAUDE_CODE_PLUGIN_DIRS. A --plugin-dir on
// claude's command line cannot be seen from here.
func PluginRoutes(states []ScopeState, env map[string]string, cwd string) []string {
	var out []string
	for _, s := range states {
		for _, p := range s.Plugins {
			out = append(out, fmt.Sprintf("enabledPlugins %q in %s settings", p, s.Name))
		}
	}
	for _, dir := range filepath.SplitList(env[EnvPluginDirs]) {
		if dir == "" {
			continue
		}
		dir = Abs(dir, cwd)
		if isCCQPlugin(dir) {
			out = append(out, fmt.Sprintf("%s in $%s", dir, EnvPluginDirs))
			continue
		}
		// A folder of plugins.
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if p := filepath.Join(dir, e.Name()); e.IsDir() && isCCQPlugin(p) {
				out = append(out, fmt.Sprintf("%s in $%s", p, EnvPluginDirs))
			}
		}
	}
	return out
}

func isCCQPlugin(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ".claude-plugin", "plugin.json"))
	if err != nil {
		return false
	}
	var m struct{ Name string }
	return json.Unmarshal(b, &m) == nil && m.Name == PluginName
}

// PluginRegistration names the plugin route in Registrations.
const PluginRegistration = "the ccq plugin"

// Registrations lists every distinct way ccq-hook would run on one event:
// each settings command (Claude Code runs an identical command string once,
// whatever the source) and the plugin, whose command always differs.
func Registrations(states []ScopeState, env map[string]string, cwd string) []string {
	bySource := map[string][]string{}
	for _, s := range states {
		for _, cmd := range s.Commands {
			bySource[cmd] = append(bySource[cmd], s.Name)
		}
	}
	var out []string
	for cmd, srcs := range bySource {
		out = append(out, fmt.Sprintf("%s (%s)", cmd, strings.Join(srcs, ", ")))
	}
	sort.Strings(out)
	if len(PluginRoutes(states, env, cwd)) > 0 {
		out = append(out, PluginRegistration)
	}
	return out
}

// CheckCommand runs "<cmd> version" the way Claude Code runs a hook (with
// /bin/sh -c, in cwd, with env) and says whether it answered as ccq-hook.
func CheckCommand(cmd string, env map[string]string, cwd string) string {
	prog := firstWord(cmd)
	if strings.Contains(prog, "/") {
		fi, err := os.Stat(prog)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "missing (no such file)"
		case err != nil:
			return "cannot be checked: " + err.Error()
		case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
			return "not executable"
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	x := exec.CommandContext(ctx, "/bin/sh", "-c", cmd+" version")
	x.Env = environ(env)
	x.Dir = cwd
	x.WaitDelay = time.Second
	out, err := x.Output()
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			line, _, _ := strings.Cut(strings.TrimSpace(string(ee.Stderr)), "\n")
			return fmt.Sprintf("does not run (%v: %s)", err, line)
		}
		return fmt.Sprintf("does not run (%v)", err)
	}
	if !strings.HasPrefix(first, BinaryName+" ") {
		return fmt.Sprintf("runs, but is not ccq-hook (%q answered 'version')", first)
	}
	return "ok (" + first + ")"
}

func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
