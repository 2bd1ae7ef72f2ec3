package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ccq-dev/ccq/internal/buildinfo"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=…".
var version string

// Exit codes. A launched run passes its child's code through; these are the
// ones ccq itself decides.
const (
	exitOK          = 0
	exitFailure     = 1   // a command failed, or `ccq check` found a threshold missed
	exitUsage       = 2   // bad flags, unknown task, bad task file
	exitTimeout     = 124 // the run hit its timeout (as timeout(1))
	exitCannotStart = 127 // claude could not be started (as the shell)
)

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
}

// logsDir applies the shared logs-directory rule.
func (a *appEnv) logsDir(c *cli.Context) string {
	return recorder.LogsDir(c.String(flagLogsDir), a.env, a.cwd)
}

// isTerminal reports whether w is a terminal (for progress and colour).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newApp(a *appEnv) *cli.App {
	return &cli.App{
		Name:      "ccq",
		Usage:     "run scheduled Claude Code tasks and know what happened to every run",
		Version:   buildVersion(),
		Reader:    a.stdin,
		Writer:    a.stdout,
		ErrWriter: a.stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{
				Name:  flagLogsDir,
				Usage: "logs directory (default: $" + recorder.EnvLogsDir + ", else ./" + recorder.DefaultLogsSubdir + ")",
			},
		},
		Commands: []*cli.Command{
			createLaunchCommand(a),
			createTasksCommand(a),
			createStatsCommand(a),
			createRunsCommand(a),
			createShowCommand(a),
			createCheckCommand(a),
		},
		// Run returns errors; run() prints them once and picks the exit code.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
	}
}

// run is main without the os.Exit, so tests and testscript can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	a := &appEnv{env: recorder.EnvMap(environ), stdin: stdin, stdout: stdout, stderr: stderr}
	a.cwd, _ = os.Getwd()
	if pwd := a.env["PWD"]; a.cwd == "" && pwd != "" {
		a.cwd = pwd
	}
	err := newApp(a).Run(append([]string{"ccq"}, args...))
	return report(stderr, err)
}

// report prints err in ccq's one message format and returns the exit code.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var st *exitStatus
	if errors.As(err, &st) && st.err == nil {
		return st.code // the code speaks for itself (a child's exit code)
	}
	msg := err.Error()
	if st != nil {
		msg = st.err.Error()
	}
	fmt.Fprintf(stderr, "ccq: error: %s\n", strings.TrimSuffix(msg, "."))
	var h *hinted
	if errors.As(err, &h) {
		for _, line := range strings.Split(h.hint, "\n") {
			fmt.Fprintf(stderr, "ccq: hint: %s\n", line)
		}
	}
	if st != nil {
		return st.code
	}
	if isUsageError(err) {
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

// hinted adds a hint line below the error.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// withHint attaches a "ccq: hint:" line to err.
func withHint(err error, hint string) error { return &hinted{err: err, hint: hint} }

// isUsageError recognises urfave/cli's own complaints about flags and
// arguments, which are usage errors too.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"flag provided but not defined", "flag needs an argument", "invalid value", "Required flag", "No help topic", "invalid boolean"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func buildVersion() string { return buildinfo.Version(version) }
