// Command ccq-helper holds ccq's integrations whose dependencies are
// heavy: the OTLP sink and `ccq export otlp` (the OpenTelemetry SDK and
// gRPC), notifications to chat and mail services (shoutrrr), the
// Prometheus exposition, `ccq metrics serve` and the textfile writer
// (client_golang), and what needs net/http: healthchecks pings, webhooks and
// `ccq report --serve`. ccq runs it only when one of them is configured or
// asked for, so that every other ccq command starts like a small Go
// program. It is not meant to be run by hand: its arguments are ccq's,
// already checked and resolved (absolute paths, times in unix ms).
//
//	ccq-helper sink                      the sinks of a run: the protocol of sinks/helper on stdin and stdout
//	ccq-helper metrics --history FILE [--textfile DIR]
//	ccq-helper metrics serve --history FILE --listen ADDR
//	ccq-helper export otlp --history FILE [--task GLOB]... [--since-ms N] [--until-ms N]
//	ccq-helper report-serve --history FILE --listen ADDR [--task GLOB]... [--since AGE] …
//
// Errors are printed as ccq's ("ccq: error: …"), since ccq passes the
// helper's stderr and exit code through: 1 for a failure, 2 for bad input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ccq-dev/ccq/internal/buildinfo"
	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/helper"
)

var version string

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}

// usageError is bad input: exit 2.
type usageError struct{ error }

func usage(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	env := recorder.EnvMap(environ)
	var err error
	switch {
	case len(args) == 1 && args[0] == "--version":
		fmt.Fprintf(stdout, "%s version %s\n", helper.Name, buildinfo.Version(version))
		return exitOK
	case len(args) == 0:
		err = usage("%s is run by ccq: ccq launch, ccq metrics and ccq export start it", helper.Name)
	case args[0] == "sink":
		err = serveSinks(stdin, stdout, env)
	case args[0] == "metrics" && len(args) > 1 && args[1] == "serve":
		err = metricsServe(args[2:], stderr)
	case args[0] == "metrics":
		err = metricsCmd(args[1:], stdout)
	case len(args) == 1 && args[0] == "schema":
		err = schemaCmd(stdin, stdout)
	case args[0] == "report-serve":
		err = reportServe(args[1:], stdout, stderr)
	case args[0] == "export" && len(args) > 1 && args[1] == "otlp":
		err = exportCmd(args[2:], stdout, stderr, env)
	default:
		err = usage("unknown command %q", strings.Join(args, " "))
	}
	if err == nil {
		return exitOK
	}
	clierr.Print(stderr, "ccq", err)
	if errors.As(err, new(usageError)) {
		return exitUsage
	}
	return exitFailure
}

// listFlag is a repeatable string flag (--task, --elsewhere).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// newFlags is a flag set that reports its errors as usage errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usage("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usage("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
