package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/ccq-dev/ccq/internal/buildinfo"
	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=…".
var version string

// Flag and env names shared by several commands.
const (
	flagLogsDir = "logs-dir"
)

// appEnv is what every command needs from the outside world. Commands take
// paths from env, never from the process environment directly, so tests can
// redirect everything.
type appEnv struct {
	env    map[string]string
	cwd    string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	// unknownCommand is the command name urfave/cli found no command for.
	unknownCommand string
}

// logsDirFlag is --logs-dir. The app has it, so `ccq --logs-dir L stats`
// works, and so does every command that reads or writes the history, so
// `ccq stats --logs-dir L` works too.
func logsDirFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  flagLogsDir,
		Usage: "logs directory (default: $" + recorder.EnvLogsDir + ", else ./" + recorder.DefaultLogsSubdir + " below the project directory)",
	}
}

// readLogsDir reads the logs directory as the shared rule says: the command's
// --logs-dir, else the one given before the command, else $CCQ_LOGS_DIR,
// else logs/scheduler below the project directory.
func readLogsDir(a *appEnv, c *cli.Context) string {
	flag := ""
	// Lineage is c, then its parents. A context whose command defines the
	// flag answers with its own value ("" when unset); one that does not
	// defines it asks its parents.
	for _, cc := range c.Lineage() {
		if v := cc.String(flagLogsDir); v != "" {
			flag = v
			break
		}
	}
	return recorder.LogsDir(flag, a.env, a.cwd)
}

// isTerminal reports whether w is a terminal (for progress and colour).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// commandTable is ccq's commands, in the order the help lists them.
var commandTable = []struct {
	name   string
	create func(*appEnv) *cli.Command
}{
	{"launch", createLaunchCommand},
	{"tasks", createTasksCommand},
	{"stats", createStatsCommand},
	{"runs", createRunsCommand},
	{"digest", createDigestCommand},
	{"show", createShowCommand},
	{"check", createCheckCommand},
	{"export", createExportCommand},
	{"report", createReportCommand},
	{"metrics", createMetricsCommand},
	{"prune", createPruneCommand},
	{"schedule", createScheduleCommand},
}

// newApp builds the app with the commands named in only, or with all of
// them when only is empty. run builds just the command its arguments
// name: each command builds its flags and closures, and a `ccq launch`
// from cron has no use for the other eleven (see commandsFor).
func newApp(a *appEnv, only ...string) *cli.App {
	useHelperSchemas(a)
	var cmds []*cli.Command
	for _, c := range commandTable {
		if len(only) == 0 || slices.Contains(only, c.name) {
			cmds = append(cmds, c.create(a))
		}
	}
	app := &cli.App{
		Name:      "ccq",
		Usage:     "run scheduled Claude Code tasks and know what happened to every run",
		Version:   buildVersion(),
		Reader:    a.stdin,
		Writer:    a.stdout,
		ErrWriter: a.stderr,
		Flags:     []cli.Flag{logsDirFlag()},
		Commands:  cmds,
		// Run returns errors; run() prints them once and picks the exit code.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
		// Usage errors are returned, not printed with the help: run()
		// prints them once, in ccq's format, and exits 2.
		OnUsageError:    onUsageError,
		CommandNotFound: func(c *cli.Context, name string) { a.unknownCommand = name },
	}
	setUsageHooks(app.Commands)
	quickNames(app.Commands)
	return app
}

// setUsageHooks gives every command, subcommands included, the one usage
// error hook and no "help" subcommand.
func setUsageHooks(cmds []*cli.Command) {
	for _, cmd := range cmds {
		cmd.OnUsageError = onUsageError
		cmd.HideHelpCommand = true
		setUsageHooks(cmd.Subcommands)
	}
}

// onUsageError is urfave/cli's hook for a flag it cannot parse (unknown,
// missing its value, a value of the wrong type): a usage error, exit 2.
func onUsageError(c *cli.Context, err error, _ bool) error {
	return clierr.WithHint(withCode(exitUsage, flagError(err, c.Command.Flags)), c.Command.HelpName+" --help lists the flags")
}

// badFlagValue is the standard flag package's message for a value it
// cannot parse, which names a long flag with one dash.
// Compiled on first use: only a usage error needs it.
var badFlagValue = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^invalid value "(.*)" for flag -([a-z0-9-]+): (.*)$`)
})

// flagError says what is wrong with a flag's value in ccq's words: the
// flag as it is typed (--timeout), and for a duration, what one looks like.
func flagError(err error, flags []cli.Flag) error {
	m := badFlagValue().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	dash := "--"
	if len(m[2]) == 1 {
		dash = "-"
	}
	for _, f := range flags {
		if isDurationFlag(f) && slices.Contains(f.Names(), m[2]) {
			return fmt.Errorf("%s%s %q: want a duration such as 90s, 15m or 2h", dash, m[2], m[1])
		}
	}
	return fmt.Errorf("%s%s %q: %s", dash, m[2], m[1], m[3])
}

// run is main without the os.Exit, so tests and testscript can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	a := &appEnv{env: recorder.EnvMap(environ), stdin: stdin, stdout: stdout, stderr: stderr}
	a.cwd, _ = os.Getwd()
	if pwd := a.env["PWD"]; a.cwd == "" && pwd != "" {
		a.cwd = pwd
	}
	app := newApp(a, commandsFor(args)...)
	err := app.Run(append([]string{"ccq"}, flagsFirst(app, args, "digest", "show")...))
	if err == nil && a.unknownCommand != "" {
		err = clierr.WithHint(usageErr("unknown command %q", a.unknownCommand), "ccq --help lists the commands")
	}
	return report(stderr, err)
}

// commandsFor is the command args name (after the app's own flags), when
// it is one of ccq's; "-" (no command at all) for `ccq --version`; and
// nothing (every command) otherwise: the help, an unknown command and its
// suggestions need them all.
func commandsFor(args []string) []string {
	version := false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--"+flagLogsDir:
			i++ // its value
		case strings.HasPrefix(a, "--"+flagLogsDir+"="):
		case a == "--version" || a == "-v":
			version = true
		case a == "--help" || a == "-h" || a == "--" || strings.HasPrefix(a, "-"):
			return nil
		default:
			for _, c := range commandTable {
				if c.name == a {
					return []string{a}
				}
			}
			return nil
		}
	}
	if version {
		return []string{"-"}
	}
	return nil
}

// report prints err in ccq's one message format and returns the exit code:
// the one an exitStatus carries, else exitFailure.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var st *exitStatus
	if errors.As(err, &st) && st.err == nil {
		return st.code // the code speaks for itself (a child's exit code)
	}
	clierr.Print(stderr, "ccq", err)
	var ec cli.ExitCoder
	switch {
	case st != nil:
		return st.code
	case errors.As(err, &ec):
		// urfave/cli's own exits are about the command line ("No help
		// topic for …").
		return exitUsage
	}
	return exitFailure
}

// exitStatus carries an exit code; with a nil err nothing is printed.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitStatus) Unwrap() error { return e.err }

// withCode makes err end the process with code.
func withCode(code int, err error) error { return &exitStatus{code: code, err: err} }

// usageErr is a bad-input error: exit code 2.
func usageErr(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

// withHint attaches a "ccq: hint:" line to err (clierr.WithHint).
var withHint = clierr.WithHint

func buildVersion() string { return buildinfo.Version(version) }

// flagsFirst lets the flags of the named commands follow their argument,
// as `ccq digest TASK --last 3` is written in the README: urfave/cli
// stops reading flags at the first argument, so the arguments are moved
// after the flags. Arguments after "--" stay where they are.
func flagsFirst(app *cli.App, args []string, names ...string) []string {
	if len(args) == 0 || !slices.Contains(names, args[0]) {
		return args
	}
	cmd := app.Command(args[0])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		isBool := isBoolFlag(f)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	flags, positional := []string{args[0]}, []string(nil)
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(append(flags, positional...), args[i:]...)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if takesValue[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return append(flags, positional...)
}
