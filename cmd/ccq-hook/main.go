// Command ccq-hook records Claude Code runs. Registered as a Claude Code hook
// and run with no arguments, it reads one hook event on stdin; it always
// exits 0 and never writes to stdout, whatever it is fed, so it cannot hurt
// the session. With a subcommand (install, uninstall, status) it manages its
// registration in Claude Code's settings.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/hooks"
	"github.com/ccq-dev/ccq/internal/buildinfo"
	"github.com/ccq-dev/ccq/recorder"
)

// version is set at build time with -ldflags "-X main.version=…".
var version string

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	env := recorder.EnvMap(environ)
	if len(args) > 0 {
		switch args[0] {
		case "install", "uninstall", "status", "help", "-h", "--help", "-help":
			return runCommand(args, env, stdout, stderr)
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, "ccq-hook", buildVersion())
			return 0
		}
	}
	hook(stdin, env)
	return 0
}

// hook handles one event. Nothing it does may reach the session: errors and
// panics go to the debug log ($CCQ_DEBUG_LOG) and nowhere else.
func hook(stdin io.Reader, env map[string]string) {
	start := time.Now()
	var err error
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
		if path := env[recorder.EnvDebugLog]; path != "" {
			debugLog(path, start, err)
		}
	}()
	cwd, _ := os.Getwd()
	err = hooks.Handle(hooks.Input{Stdin: stdin, Env: env, Cwd: cwd, Now: start, Version: buildVersion()})
}

func debugLog(path string, start time.Time, err error) {
	// Not through a final link, and not waiting on a FIFO nobody reads
	// (O_NONBLOCK fails that open at once): a hook never hangs.
	f, ferr := recorder.OpenNoFollow(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY|syscall.O_NONBLOCK, recorder.FileMode)
	if ferr != nil {
		return
	}
	defer f.Close()
	msg := "ok"
	if err != nil {
		msg = err.Error()
	}
	fmt.Fprintf(f, "%s ccq-hook pid=%d took=%s: %s\n", start.UTC().Format(recorder.TimestampLayout), os.Getpid(), time.Since(start).Round(time.Microsecond), msg)
}

func buildVersion() string { return buildinfo.Version(version) }
