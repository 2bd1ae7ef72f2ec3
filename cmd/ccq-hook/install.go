package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ccq-dev/ccq/install"
	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/internal/shquote"
)

// prog prefixes every message: "ccq-hook: error: …".
const prog = "ccq-hook"

// Exit codes of the install, uninstall and status subcommands (hook mode
// always exits 0).
const (
	exitOK    = 0
	exitIO    = 1 // the file system failed or refused: unreadable, unwritable, disk full, untrusted symlink
	exitUsage = 2 // the input is wrong: arguments, flags, malformed settings
)

const usageText = `Usage:
  ccq-hook install   [--scope user|project|local|managed] [--settings FILE] [--command CMD] [--dry-run]
  ccq-hook uninstall [--scope user|project|local|managed] [--settings FILE] [--dry-run]
  ccq-hook status    [--settings FILE]
  ccq-hook version

Run with no arguments, ccq-hook handles one Claude Code hook event on stdin.

install registers ccq-hook for SessionStart, Stop, StopFailure and SessionEnd
in Claude Code's settings, so that every run is recorded in
logs/scheduler/history.jsonl. The scopes are:
  user     $HOME/.claude/settings.json ($CLAUDE_CONFIG_DIR/settings.json if set)
  project  .claude/settings.json in the project ($CLAUDE_PROJECT_DIR or here)
  local    .claude/settings.local.json in the project
  managed  Claude Code's managed settings for every user of the machine
           (` + managedHelp + `), which
           claude -p --bare runs honour too; needs root, and also registers
           UserPromptSubmit
The file is changed in place: everything else in it is kept as it is, and the
previous content is saved next to it with the suffix .ccq-backup. A symlinked
settings file is followed only when the link and its target are yours (or
root's).

uninstall removes ccq-hook's entries and nothing else.

status shows, for every scope, whether ccq-hook is installed, with which
command, whether that command runs, and whether the ccq plugin is active;
it warns when a claude -p --bare run would not be recorded.

Exit codes: 0 done, 1 a file could not be read or written, 2 bad arguments or
malformed settings.
`

// managedHelp is the managed settings file as the usage text names it.
const managedHelp = "/etc/claude-code/managed-settings.json on Linux"

// managedSettings is the managed settings file. Only tests set it (from
// install_test.go, never from the environment of a real ccq-hook), so that
// no test touches the machine's real managed settings.
var managedSettings = install.ManagedSettingsPath(runtime.GOOS)

// cli runs one subcommand.
type cli struct {
	env            map[string]string
	cwd            string
	managed        string // the managed settings file
	stdout, stderr io.Writer
}

// runCommand runs a subcommand (install, uninstall, status, help), prints
// its error once and returns the exit code.
func runCommand(args []string, env map[string]string, stdout, stderr io.Writer) int {
	c := &cli{env: env, managed: managedSettings, stdout: stdout, stderr: stderr}
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
	if errors.Is(err, install.ErrNoRights) {
		err = clierr.WithHint(err, noRightsHint(args))
	}
	if code := exitCode(err); code != exitOK {
		clierr.Print(stderr, prog, err)
		return code
	}
	return exitOK
}

// noRightsHint says how to run args with the rights the managed settings
// ask for.
func noRightsHint(args []string) string {
	const why = "the managed settings apply to every user of the machine; ccq-hook changed nothing\n"
	if runtime.GOOS == "windows" {
		return why + "run it from an administrator's shell"
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shquote.Quote(a)
	}
	return why + "run it as root: sudo ccq-hook " + strings.Join(quoted, " ")
}

// usageError is a mistake on the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func badUsage(err error, hint string) error { return clierr.WithHint(&usageError{err}, hint) }

// exitCode is the one place errors become exit codes: what the user can
// fix in the command or the settings text is exitUsage, anything else (the
// file system) exitIO.
func exitCode(err error) int {
	var u *usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &u) || errors.Is(err, install.ErrMalformed) ||
		errors.Is(err, install.ErrUnknownScope) || errors.Is(err, install.ErrNoHome):
		return exitUsage
	}
	return exitIO
}

// advise attaches the hint that fits err's kind; fallback, if not empty,
// is the hint for any other error.
func advise(err error, fallback string) error {
	hint := fallback
	switch {
	case err == nil:
		return nil
	case errors.Is(err, install.ErrMalformed):
		hint = "fix the file by hand (it must be valid JSON settings); ccq-hook changed nothing"
	case errors.Is(err, install.ErrUnknownScope):
		hint = "use --scope user, project, local or managed"
	case errors.Is(err, install.ErrNoHome):
		hint = "set HOME, or name the file with --settings"
	case errors.Is(err, install.ErrReadOnly):
		hint = "make it writable (chmod u+w) if ccq may change it, or choose another --scope"
	case errors.Is(err, install.ErrSymlink):
		hint = "ccq-hook follows a symlink only when the link and its target are yours (or root's)\n" +
			"if you trust it, name the target itself with --settings; ccq-hook changed nothing"
	}
	if hint == "" {
		return err
	}
	return clierr.WithHint(err, hint)
}

// flags are the options the subcommands share.
type flags struct {
	scope, settings, command string
	dryRun                   bool
}

// flagSet is the parser of one subcommand; each subcommand adds its flags.
func flagSet(name string, f *flags) *flag.FlagSet {
	fs := flag.NewFlagSet("ccq-hook "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.settings, "settings", "", "settings `FILE` to use instead of the scope's")
	return fs
}

// changeFlags adds the flags of install and uninstall.
func changeFlags(fs *flag.FlagSet, f *flags) {
	fs.StringVar(&f.scope, "scope", install.ScopeUser, "settings to change: user, project, local or managed")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the change as a diff and write nothing")
}

// parse parses args with fs: -h prints fs's flags, a mistake is a usage
// error.
func (c *cli) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.stdout)
			fmt.Fprintf(c.stdout, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return err
		}
		return badUsage(err, "run 'ccq-hook help'")
	}
	if fs.NArg() > 0 {
		return badUsage(fmt.Errorf("unexpected argument %q", fs.Arg(0)), "run 'ccq-hook help'")
	}
	return nil
}

// path is the settings file the flags select.
func (c *cli) path(f *flags) (string, error) {
	if f.settings != "" {
		return install.Abs(f.settings, c.cwd), nil
	}
	if f.scope == install.ScopeManaged {
		return c.managed, nil
	}
	return install.SettingsPath(f.scope, c.env, c.cwd)
}

// options are the scope's options. A --settings file gets the scope's
// events, but not the managed settings' need for root: with --scope
// managed it is a copy to deploy, written by whoever may.
func options(f *flags) install.Options {
	o := install.ScopeOptions(f.scope)
	if f.settings != "" {
		o.Managed = false
	}
	return o
}

// scopeName describes the file for messages.
func scopeName(f *flags) string {
	if f.settings != "" {
		return "--settings"
	}
	return f.scope + " scope"
}

// hookCommand is the command to register: override if given, else the
// running binary by its absolute, symlink-free path, so the hook works
// whatever PATH Claude Code's hook shell has. In the managed settings, an
// override must name ccq-hook by an absolute path too: they run for every
// user, whose PATHs differ.
func hookCommand(override, scope string) (string, error) {
	if override != "" {
		if !install.IsCCQCommand(override) {
			return "", badUsage(fmt.Errorf("--command %q does not run %s", override, install.BinaryName),
				"ccq recognises its hooks by the program's name; name the ccq-hook binary, such as --command /usr/local/bin/ccq-hook")
		}
		if scope == install.ScopeManaged && !filepath.IsAbs(install.Program(override)) {
			return "", badUsage(fmt.Errorf("--command %q does not name ccq-hook by an absolute path", override),
				"the managed settings run for every user, whatever their PATH: use such as --command /usr/local/bin/ccq-hook")
		}
		return override, nil
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return "", clierr.WithHint(fmt.Errorf("cannot find the path of this binary: %w", err), "name it with --command")
	}
	if filepath.Base(exe) != install.BinaryName {
		return "", badUsage(fmt.Errorf("this binary is %s, not %s", exe, install.BinaryName),
			"ccq recognises its hooks by the program's name; install the binary as ccq-hook, or pass --command")
	}
	return shquote.Quote(exe), nil
}

func (c *cli) install(args []string) error {
	var f flags
	fs := flagSet("install", &f)
	changeFlags(fs, &f)
	fs.StringVar(&f.command, "command", "", "hook command to register (default: this ccq-hook binary)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	command, err := hookCommand(f.command, f.scope)
	if err != nil {
		return err
	}
	path, err := c.path(&f)
	if err != nil {
		return advise(err, "")
	}
	if f.dryRun {
		ch, err := install.PreviewInstall(path, command, options(&f))
		if err != nil {
			return advise(err, "ccq-hook changed nothing")
		}
		return c.diff(ch)
	}
	ch, err := install.Install(path, command, options(&f))
	if err != nil {
		return advise(err, "")
	}
	if !ch.Plan.Changed() {
		fmt.Fprintf(c.stdout, "ccq-hook is already installed in %s (%s); nothing changed\n", path, scopeName(&f))
	} else {
		fmt.Fprintf(c.stdout, "installed ccq-hook in %s (%s)\n", path, scopeName(&f))
		fmt.Fprintf(c.stdout, "  events:  %s\n", strings.Join(install.EventsFor(f.scope), ", "))
		fmt.Fprintf(c.stdout, "  command: %s\n", command)
		if ch.Backup != "" {
			fmt.Fprintf(c.stdout, "  backup:  %s\n", ch.Backup)
		}
	}
	if f.scope == install.ScopeManaged {
		c.warnUnreachable(command)
	}
	c.warnRegistrations(install.InspectScopes(c.env, c.cwd, c.managed))
	return nil
}

// warnUnreachable warns when the managed settings' command is one other
// users cannot run (a binary under /root or a private home): their runs
// would not be recorded, and Claude Code would show them a hook error.
func (c *cli) warnUnreachable(command string) {
	if err := install.RunnableByAll(install.Program(command)); err != nil {
		clierr.Warn(c.stderr, prog, "other users cannot run the hook: %v", err)
		fmt.Fprintf(c.stderr, "%s: hint: put ccq-hook where everyone can run it, such as /usr/local/bin, and install from there\n", prog)
	}
}

func (c *cli) uninstall(args []string) error {
	var f flags
	fs := flagSet("uninstall", &f)
	changeFlags(fs, &f)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	path, err := c.path(&f)
	if err != nil {
		return advise(err, "")
	}
	if f.dryRun {
		ch, err := install.PreviewUninstall(path, options(&f))
		if err != nil {
			return advise(err, "ccq-hook changed nothing")
		}
		return c.diff(ch)
	}
	ch, err := install.Uninstall(path, options(&f))
	if err != nil {
		return advise(err, "")
	}
	if !ch.Plan.Changed() {
		fmt.Fprintf(c.stdout, "ccq-hook is not installed in %s (%s); nothing changed\n", path, scopeName(&f))
		return nil
	}
	fmt.Fprintf(c.stdout, "removed ccq-hook from %s (%s)\n", path, scopeName(&f))
	if ch.Plan.Remove {
		fmt.Fprintf(c.stdout, "  the file held nothing else and was deleted\n")
	}
	fmt.Fprintf(c.stdout, "  backup:  %s\n", ch.Backup)
	return nil
}

// diff prints what a --dry-run would change, as a unified diff.
func (c *cli) diff(ch *install.Change) error {
	if !ch.Plan.Changed() {
		fmt.Fprintf(c.stdout, "no change to %s\n", ch.Path)
		return nil
	}
	d, err := ch.Diff()
	if err != nil {
		return err
	}
	fmt.Fprint(c.stdout, d)
	return nil
}
