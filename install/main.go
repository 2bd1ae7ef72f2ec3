// Package install registers ccq-hook in Claude Code's settings files: it
// adds, updates and removes ccq's hook entries without changing a byte of
// anything else, and reports where recording is switched on.
package install

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/ccq-dev/ccq/internal/shquote"
)

// ExitUsage is the exit code for bad input: wrong arguments, malformed
// settings, paths that cannot be read or written.
const ExitUsage = 2

const usageText = `Usage:
  ccq-hook install   [--scope user|project|local] [--settings FILE] [--command CMD] [--dry-run]
  ccq-hook uninstall [--scope user|project|local] [--settings FILE] [--dry-run]
  ccq-hook status    [--settings FILE]
  ccq-hook version

Run with no arguments, ccq-hook handles one Claude Code hook event on stdin.

install registers ccq-hook for SessionStart, Stop, StopFailure and SessionEnd
in Claude Code's settings, so that every run is recorded in
logs/scheduler/history.jsonl. The scopes are:
  user     $HOME/.claude/settings.json ($CLAUDE_CONFIG_DIR/settings.json if set)
  project  .claude/settings.json in the project ($CLAUDE_PROJECT_DIR or here)
  local    .claude/settings.local.json in the project
The file is changed in place: everything else in it is kept as it is, and the
previous content is saved next to it with the suffix .ccq-backup.

uninstall removes ccq-hook's entries and nothing else.

status shows, for every scope, whether ccq-hook is installed, with which
command, whether that command runs, and whether the ccq plugin is active.
`

// Main runs an install subcommand (install, uninstall, status, help) and
// returns the process exit code.
func Main(args []string, env map[string]string, stdout, stderr io.Writer) int {
	c := &cli{env: env, stdout: stdout, stderr: stderr}
	var err error
	c.cwd, err = os.Getwd()
	if err == nil {
		switch args[0] {
		case "install":
			err = c.install(args[1:])
		case "uninstall":
			err = c.uninstall(args[1:])
		case "status":
			err = c.status(args[1:])
		default:
			fmt.Fprint(stdout, usageText)
		}
	}
	return c.report(err)
}

type cli struct {
	env            map[string]string
	cwd            string
	stdout, stderr io.Writer
}

// hinted is an error with advice for the user.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

func withHint(err error, hint string) error { return &hinted{err, hint} }

// report prints err once, as "ccq-hook: error: …" with an optional hint, and
// returns the exit code.
func (c *cli) report(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(c.stderr, "ccq-hook: error: %s\n", err)
	var h *hinted
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(c.stderr, "ccq-hook: hint: %s\n", h.hint)
	}
	return ExitUsage
}

func (c *cli) warn(format string, args ...any) {
	fmt.Fprintf(c.stderr, "ccq-hook: warning: "+format+"\n", args...)
}

// flags are the options the subcommands share.
type flags struct {
	scope, settings, command string
	dryRun                   bool
}

func (c *cli) parse(name string, args []string, withCommand, withScope bool) (*flags, error) {
	var f flags
	fs := flag.NewFlagSet("ccq-hook "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if withScope {
		fs.StringVar(&f.scope, "scope", ScopeUser, "settings to change: user, project or local")
		fs.BoolVar(&f.dryRun, "dry-run", false, "print the change as a diff and write nothing")
	}
	fs.StringVar(&f.settings, "settings", "", "settings `FILE` to use instead of the scope's")
	if withCommand {
		fs.StringVar(&f.command, "command", "", "hook command to register (default: this ccq-hook binary)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.stdout)
			fmt.Fprintf(c.stdout, "Usage of ccq-hook %s:\n", name)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, withHint(err, "run 'ccq-hook help'")
	}
	if fs.NArg() > 0 {
		return nil, withHint(fmt.Errorf("unexpected argument %q", fs.Arg(0)), "run 'ccq-hook help'")
	}
	return &f, nil
}

// path is the settings file the flags select.
func (c *cli) path(f *flags) (string, error) {
	if f.settings != "" {
		return abs(f.settings, c.cwd), nil
	}
	return SettingsPath(f.scope, c.env, c.cwd)
}

// scopeName describes the file for messages.
func scopeName(f *flags) string {
	if f.settings != "" {
		return "--settings"
	}
	return f.scope + " scope"
}

func (c *cli) install(args []string) error {
	f, err := c.parse("install", args, true, true)
	if err != nil {
		return err
	}
	command, err := c.hookCommand(f.command)
	if err != nil {
		return err
	}
	path, err := c.path(f)
	if err != nil {
		return err
	}
	file, err := load(path)
	if err != nil {
		return withHint(err, "ccq-hook changed nothing")
	}
	plan, err := planInstall(file.target, file.data, command)
	if err != nil {
		return withHint(err, "fix the file by hand (it must be valid JSON settings); ccq-hook changed nothing")
	}
	if f.dryRun {
		return c.diff(file, plan)
	}
	if !plan.Changed() {
		fmt.Fprintf(c.stdout, "ccq-hook is already installed in %s (%s); nothing changed\n", path, scopeName(f))
	} else {
		backup, err := file.commit(plan)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "installed ccq-hook in %s (%s)\n", path, scopeName(f))
		fmt.Fprintf(c.stdout, "  events:  %s\n", strings.Join(Events, ", "))
		fmt.Fprintf(c.stdout, "  command: %s\n", command)
		if backup != "" {
			fmt.Fprintf(c.stdout, "  backup:  %s\n", backup)
		}
	}
	c.warnTwice()
	return nil
}

func (c *cli) uninstall(args []string) error {
	f, err := c.parse("uninstall", args, false, true)
	if err != nil {
		return err
	}
	path, err := c.path(f)
	if err != nil {
		return err
	}
	file, err := load(path)
	if err != nil {
		return withHint(err, "ccq-hook changed nothing")
	}
	plan, err := planUninstall(file.target, file.data)
	if err != nil {
		return withHint(err, "fix the file by hand (it must be valid JSON settings); ccq-hook changed nothing")
	}
	if f.dryRun {
		return c.diff(file, plan)
	}
	if !plan.Changed() {
		fmt.Fprintf(c.stdout, "ccq-hook is not installed in %s (%s); nothing changed\n", path, scopeName(f))
		return nil
	}
	backup, err := file.commit(plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "removed ccq-hook from %s (%s)\n", path, scopeName(f))
	if plan.Remove {
		fmt.Fprintf(c.stdout, "  the file held nothing else and was deleted\n")
	}
	fmt.Fprintf(c.stdout, "  backup:  %s\n", backup)
	return nil
}

// diff prints what plan would change, as a unified diff, and writes nothing.
func (c *cli) diff(file *file, plan Plan) error {
	if err := file.writable(); err != nil {
		return err
	}
	if !plan.Changed() {
		fmt.Fprintf(c.stdout, "no change to %s\n", file.path)
		return nil
	}
	from, to := file.path, file.path
	if !file.exists {
		from = "/dev/null"
	}
	if plan.Remove {
		to = "/dev/null"
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        splitLines(plan.Old),
		B:        splitLines(plan.New),
		FromFile: from,
		ToFile:   to,
		Context:  3,
	})
	if err != nil {
		return err
	}
	fmt.Fprint(c.stdout, d)
	return nil
}

// hookCommand is the command to register: override if given, else the
// running binary by its absolute, symlink-free path, so the hook works
// whatever PATH Claude Code's hook shell has.
func (c *cli) hookCommand(override string) (string, error) {
	if override != "" {
		if !isCCQCommand(override) {
			return "", withHint(fmt.Errorf("--command %q does not run %s", override, BinaryName),
				"ccq recognises its hooks by the program's name; name the ccq-hook binary, such as --command /usr/local/bin/ccq-hook")
		}
		return override, nil
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return "", withHint(fmt.Errorf("cannot find the path of this binary: %w", err), "name it with --command")
	}
	if filepath.Base(exe) != BinaryName {
		return "", withHint(fmt.Errorf("this binary is %s, not %s", exe, BinaryName),
			"ccq recognises its hooks by the program's name; install the binary as ccq-hook, or pass --command")
	}
	return shquote.Quote(exe), nil
}

// splitLines cuts text into lines for difflib, each ending in a newline
// (difflib's own SplitLines adds an empty last line).
func splitLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}
