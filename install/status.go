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

// pluginRegistration names the plugin route in warnings.
const pluginRegistration = "the ccq plugin"

// PluginName is the name in ccq's .claude-plugin/plugin.json.
const PluginName = "ccq"

// checkTimeout bounds "<command> version" in status.
const checkTimeout = 5 * time.Second

// scopeState is what status finds in one settings file.
type scopeState struct {
	name     string // scope, or "--settings"
	path     string
	exists   bool
	err      error
	events   []string // events with a ccq entry
	commands []string // distinct ccq commands, in file order
	plugins  []string // enabledPlugins keys naming ccq, set to true
}

func (s scopeState) installed() bool { return len(s.events) > 0 }

// inspect reads one settings file for status.
func inspect(name, path string) scopeState {
	st := scopeState{name: name, path: path}
	f, err := load(path)
	if err != nil {
		st.err = err
		return st
	}
	st.exists = f.exists
	s, err := parseSettings(f.target, f.data)
	if err != nil {
		st.err = err
		return st
	}
	seen := map[string]bool{}
	for _, ev := range Events {
		hs := s.ccqHooks(ev)
		if len(hs) > 0 {
			st.events = append(st.events, ev)
		}
		for _, h := range hs {
			if !seen[h.command] {
				seen[h.command] = true
				st.commands = append(st.commands, h.command)
			}
		}
	}
	if ep := s.root.get("enabledPlugins"); ep != nil && ep.kind == kObject {
		for _, m := range ep.members {
			if strings.HasPrefix(m.key, PluginName+"@") && string(s.data[m.val.start:m.val.end]) == "true" {
				st.plugins = append(st.plugins, m.key)
			}
		}
	}
	return st
}

// states inspects the file --settings names, or every scope.
func (c *cli) states(settings string) []scopeState {
	if settings != "" {
		return []scopeState{inspect("--settings", abs(settings, c.cwd))}
	}
	var out []scopeState
	for _, sc := range Scopes {
		path, err := SettingsPath(sc, c.env, c.cwd)
		if err != nil {
			out = append(out, scopeState{name: sc, err: err})
			continue
		}
		out = append(out, inspect(sc, path))
	}
	return out
}

// pluginRoutes lists the ways the ccq plugin is switched on: enabledPlugins
// entries and folders named by $CLAUDE_CODE_PLUGIN_DIRS. A --plugin-dir on
// claude's command line cannot be seen from here.
func (c *cli) pluginRoutes(states []scopeState) []string {
	var out []string
	for _, s := range states {
		for _, p := range s.plugins {
			out = append(out, fmt.Sprintf("enabledPlugins %q in %s settings", p, s.name))
		}
	}
	for _, dir := range filepath.SplitList(c.env[EnvPluginDirs]) {
		if dir == "" {
			continue
		}
		dir = abs(dir, c.cwd)
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

// registrations lists every distinct way ccq-hook would run on one event:
// each settings command (Claude Code runs an identical command string once,
// whatever the source) and the plugin, whose command always differs.
func (c *cli) registrations(states []scopeState) []string {
	bySource := map[string][]string{}
	for _, s := range states {
		for _, cmd := range s.commands {
			bySource[cmd] = append(bySource[cmd], s.name)
		}
	}
	var out []string
	for cmd, srcs := range bySource {
		out = append(out, fmt.Sprintf("%s (%s)", cmd, strings.Join(srcs, ", ")))
	}
	sort.Strings(out)
	if len(c.pluginRoutes(states)) > 0 {
		out = append(out, pluginRegistration)
	}
	return out
}

// warnTwice warns when every run would be recorded more than once.
func (c *cli) warnTwice() {
	c.warnRegistrations(c.states(""))
}

func (c *cli) warnRegistrations(states []scopeState) bool {
	regs := c.registrations(states)
	if len(regs) < 2 {
		return false
	}
	c.warn("ccq-hook is registered %d times: %s; Claude Code runs each, so every run would be recorded twice", len(regs), strings.Join(regs, "; "))
	hint := "keep one: 'ccq-hook uninstall --scope SCOPE'"
	if regs[len(regs)-1] == pluginRegistration {
		hint += ", or disable the ccq plugin"
	}
	fmt.Fprintf(c.stderr, "ccq-hook: hint: %s\n", hint)
	return true
}

func (c *cli) status(args []string) error {
	f, err := c.parse("status", args, false, false)
	if err != nil {
		return err
	}
	states := c.states(f.settings)
	var firstErr error
	checked := map[string]string{}
	for _, s := range states {
		switch {
		case s.err != nil:
			fmt.Fprintf(c.stdout, "%-9s cannot be read: %v\n", s.name+":", s.err)
			if firstErr == nil {
				firstErr = s.err
			}
			continue
		case !s.exists:
			fmt.Fprintf(c.stdout, "%-9s %s: not installed (no such file)\n", s.name+":", s.path)
		case !s.installed():
			fmt.Fprintf(c.stdout, "%-9s %s: not installed\n", s.name+":", s.path)
		case len(s.events) < len(Events):
			fmt.Fprintf(c.stdout, "%-9s %s: partly installed (%s only)\n", s.name+":", s.path, strings.Join(s.events, ", "))
		default:
			fmt.Fprintf(c.stdout, "%-9s %s: installed\n", s.name+":", s.path)
		}
		for _, cmd := range s.commands {
			res, ok := checked[cmd]
			if !ok {
				res = c.checkCommand(cmd)
				checked[cmd] = res
			}
			fmt.Fprintf(c.stdout, "%-9s command %s: %s\n", "", cmd, res)
		}
	}
	if f.settings == "" {
		if routes := c.pluginRoutes(states); len(routes) > 0 {
			for _, r := range routes {
				fmt.Fprintf(c.stdout, "%-9s active: %s\n", "plugin:", r)
			}
		} else {
			fmt.Fprintf(c.stdout, "%-9s not active (a --plugin-dir on claude's command line is not visible here)\n", "plugin:")
		}
		c.warnRegistrations(states)
	}
	if firstErr != nil {
		return withHint(firstErr, "fix the file by hand; status read nothing else from it")
	}
	return nil
}

// checkCommand runs "<cmd> version" the way Claude Code runs a hook (with
// /bin/sh -c) and says whether it answered as ccq-hook.
func (c *cli) checkCommand(cmd string) string {
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
	x.Env = environ(c.env)
	x.Dir = c.cwd
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
