package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ccq-dev/ccq/install"
	"github.com/ccq-dev/ccq/internal/clierr"
)

func (c *cli) status(args []string) error {
	var f flags
	if err := c.parse(flagSet("status", &f), args); err != nil {
		return err
	}
	var states []install.ScopeState
	if f.settings != "" {
		states = []install.ScopeState{install.Inspect("--settings", install.Abs(f.settings, c.cwd))}
	} else {
		states = install.InspectScopes(c.env, c.cwd, c.managed)
	}
	var firstErr error
	checked := map[string]string{}
	for _, s := range states {
		if s.Err != nil {
			fmt.Fprintf(c.stdout, "%-9s cannot be read: %v\n", s.Name+":", s.Err)
			if firstErr == nil {
				firstErr = s.Err
			}
			continue
		}
		fmt.Fprintf(c.stdout, "%-9s %s: %s\n", s.Name+":", s.Path, describeState(s))
		for _, cmd := range s.Commands {
			res, ok := checked[cmd]
			if !ok {
				res = install.CheckCommand(cmd, c.env, c.cwd)
				checked[cmd] = res
			}
			fmt.Fprintf(c.stdout, "%-9s command %s: %s\n", "", cmd, res)
		}
	}
	if f.settings == "" {
		if routes := install.PluginRoutes(states, c.env, c.cwd); len(routes) > 0 {
			for _, r := range routes {
				fmt.Fprintf(c.stdout, "%-9s active: %s\n", "plugin:", r)
			}
		} else {
			fmt.Fprintf(c.stdout, "%-9s not active (a --plugin-dir on claude's command line is not visible here)\n", "plugin:")
		}
		c.warnRegistrations(states)
		c.warnBare(states)
	}
	if errors.Is(firstErr, install.ErrMalformed) {
		return clierr.WithHint(firstErr, "fix the file by hand; status read nothing else from it")
	}
	return advise(firstErr, "")
}

// describeState says whether ccq is installed in a file that could be read.
func describeState(s install.ScopeState) string {
	switch {
	case !s.Exists:
		return "not installed (no such file)"
	case !s.Installed():
		return "not installed"
	case len(s.Events) < len(install.EventsFor(s.Name)):
		return fmt.Sprintf("partly installed (%s only)", strings.Join(s.Events, ", "))
	}
	return "installed"
}

// warnRegistrations warns when every run would be recorded more than once.
func (c *cli) warnRegistrations(states []install.ScopeState) {
	regs := install.Registrations(states, c.env, c.cwd)
	if len(regs) < 2 {
		return
	}
	clierr.Warn(c.stderr, prog, "ccq-hook is registered %d times: %s; Claude Code runs each, so every run would be recorded twice", len(regs), strings.Join(regs, "; "))
	hint := "keep one: 'ccq-hook uninstall --scope SCOPE'"
	if regs[len(regs)-1] == install.PluginRegistration {
		hint += ", or disable the ccq plugin"
	}
	fmt.Fprintf(c.stderr, "%s: hint: %s\n", prog, hint)
}

// warnBare warns when ccq records runs through settings or the plugin but
// not through the managed settings: Claude Code's --bare skips the former.
func (c *cli) warnBare(states []install.ScopeState) {
	other := len(install.PluginRoutes(states, c.env, c.cwd)) > 0
	for _, s := range states {
		if s.Name == install.ScopeManaged && s.Installed() {
			return
		}
		other = other || s.Installed()
	}
	if other {
		clierr.Warn(c.stderr, prog, "a `claude -p --bare` run is not recorded: bare skips settings and plugin hooks; use `ccq launch TASK -- --bare` or `ccq-hook install --scope managed`")
	}
}
