package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"strings"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/helper"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

// Flags of `ccq launch` (and, for tasks-dir, `ccq tasks`).
const (
	flagTasksDir        = "tasks-dir"
	flagClaude          = "claude"
	flagTimeout         = "timeout"
	flagGrace           = "grace"
	flagModel           = "model"
	flagMaxTurns        = "max-turns"
	flagPermissionMode  = "permission-mode"
	flagAllowedTools    = "allowed-tools"
	flagDisallowedTools = "disallowed-tools"
	flagCwd             = "cwd"
	flagQuiet           = "quiet"
	flagJSON            = "json"
	flagVerbose         = "verbose"
	flagGuardian        = "guardian" // hidden: run as a launch's guardian

	flagRetries       = "retries"
	flagRetryOn       = "retry-on"
	flagRetryDelay    = "retry-delay"
	flagRetryMaxDelay = "retry-max-delay"
	flagDeadline      = "deadline"
	flagIdleTimeout   = "idle-timeout"
	flagOverlap       = "overlap"
	flagMaxConcurrent = "max-concurrent"
	flagMaxBudgetUSD  = "max-budget-usd"
	flagFeedback      = "feedback"
)

// Environment variables of `ccq launch` (besides launch's and recorder's).
const (
	envMaxConcurrent = "CCQ_MAX_CONCURRENT"
)

func tasksDirFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  flagTasksDir,
		Usage: "folder of task files (default: $" + launch.EnvTasksDir + ", else ./" + launch.DefaultTasksSubdir + " below the project directory)",
	}
}

func createLaunchCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:      "launch",
		Usage:     "run a task under Claude Code and record it in the history",
		ArgsUsage: "<task> [-- claude arguments]",
		Description: `A task is <tasks dir>/<task>.md, or a path to a .md file: an optional YAML
front matter (description, timeout, model, max_turns, permission_mode,
allowed_tools, disallowed_tools, cwd, args) between two --- lines, then the
prompt. Flags override the front matter; arguments after -- go to claude as
they are.

Scheduling: --retries N tries again an attempt that failed for a transient
reason (--retry-on: transient, timeout, idle), each attempt a run of its own;
--deadline bounds the whole series; --idle-timeout ends a run that shows no
activity; --overlap skip|wait|allow says what to do while another run of the
task goes on; --max-concurrent bounds the runs of a logs directory.

Off a terminal a successful run prints nothing; a failed or skipped one a
short summary on stderr (--verbose: always; --quiet: never).

Exit code: claude's own; 75 when a launch was skipped or its retries ran out
on a transient failure; 124 when the run timed out; 127 when claude could not
be started; 128+n when a signal n ended the run; 2 for bad input.`,
		Flags: []cli.Flag{
			logsDirFlag(),
			tasksDirFlag(),
			&cli.StringFlag{Name: flagClaude, Usage: "claude binary (default: $" + launch.EnvClaude + ", else claude on $PATH)"},
			&cli.DurationFlag{Name: flagTimeout, Usage: "stop the run after this long (90s, 30m)", DefaultText: "the task's timeout, else none"},
			&cli.DurationFlag{Name: flagGrace, Value: launch.DefaultGrace, Usage: "time between SIGTERM and SIGKILL when stopping the run"},
			&cli.StringFlag{Name: flagModel, Usage: "model for claude --model"},
			&cli.IntFlag{Name: flagMaxTurns, Usage: "claude --max-turns", DefaultText: "the task's, else claude's"},
			&cli.StringFlag{Name: flagPermissionMode, Usage: "claude --permission-mode"},
			&cli.StringSliceFlag{Name: flagAllowedTools, Usage: "claude --allowedTools (repeat or separate with commas)"},
			&cli.StringSliceFlag{Name: flagDisallowedTools, Usage: "claude --disallowedTools"},
			&cli.StringFlag{Name: flagCwd, Usage: "working directory of the run (default: the task's cwd, else the current directory)"},
			&cli.BoolFlag{Name: flagQuiet, Aliases: []string{"q"}, Usage: "print nothing but errors", DisableDefaultText: true},
			&cli.BoolFlag{Name: flagJSON, Usage: "print the run's history line on stdout at the end", DisableDefaultText: true},
			&cli.BoolFlag{Name: flagVerbose, Usage: "print the summary even when the run succeeds off a terminal", DisableDefaultText: true},
			&cli.IntFlag{Name: flagFeedback, Usage: "append to the prompt a digest of the task's last N runs (see ccq digest)", DefaultText: "the task's, else 0"},
			&cli.IntFlag{Name: flagRetries, Usage: "retry an attempt that failed for a transient reason up to N times (0 to 100)", DefaultText: "the task's, else 0"},
			&cli.StringSliceFlag{Name: flagRetryOn, Usage: "what to retry: transient, timeout, idle (repeat or separate with commas)", DefaultText: "transient"},
			&cli.DurationFlag{Name: flagRetryDelay, Usage: "backoff unit: wait n is drawn from [0, min(max, delay·2^(n-1))]", DefaultText: launch.DefaultRetryDelay.String()},
			&cli.DurationFlag{Name: flagRetryMaxDelay, Usage: "longest wait between attempts, also for a reset time the client reports", DefaultText: "30m"},
			&cli.DurationFlag{Name: flagDeadline, Usage: "bound of the whole launch, lock wait, attempts and waits included", DefaultText: "none"},
			&cli.DurationFlag{Name: flagIdleTimeout, Usage: "stop a run with no output and no tool CPU time for this long, as a timeout", DefaultText: "none"},
			&cli.StringFlag{Name: flagOverlap, Usage: "while another run of the task goes on: skip (exit 75), wait or allow", DefaultText: "skip"},
			&cli.IntFlag{Name: flagMaxConcurrent, Usage: "most runs of this logs directory at once, all tasks", DefaultText: "$" + envMaxConcurrent + ", else no bound"},
			&cli.Float64Flag{Name: flagMaxBudgetUSD, Usage: "claude --max-budget-usd: stop the run past this many dollars", DefaultText: "the task's, else none"},
			&cli.StringFlag{Name: flagPingURL, Usage: "healthchecks ping URL (default: the task's ping_url, else $" + envPingURL + ")"},
			&cli.DurationFlag{Name: flagPingTime, Usage: "most time one ping may take, retries included", DefaultText: "10s"},
			&cli.StringSliceFlag{Name: flagNotify, Usage: "send failures and recoveries to URL (repeatable; default: the task's notify, else $" + envNotify + ")"},
			&cli.StringFlag{Name: flagNotifyOn, Usage: "when to notify: failure, recovery, success (comma-separated)", DefaultText: "failure,recovery"},
			&cli.BoolFlag{Name: flagGuardian, Hidden: true},
		},
		Action: func(c *cli.Context) error { return launchAction(a, c) },
	}
}

func launchAction(a *appEnv, c *cli.Context) error {
	f := readLaunchFlags(a, c)
	if f.guardian {
		return guardAction(a)
	}
	return runLaunch(c.Context, a, f)
}

// runLaunch is `ccq launch` with its command line read.
func runLaunch(parent context.Context, a *appEnv, f launchFlags) error {
	o, hc, err := launchOptions(a, f)
	if err != nil {
		return err
	}
	if hc != nil {
		// Each run was sent in Finished; this lets the helper close its
		// connections, and ends it if it does not.
		defer hc.Close(helperTimeout)
	}
	// One context for the whole launch: a signal ends a lock wait or a
	// wait between attempts at once, reaches claude's process group during
	// a run, and the run is still recorded and reported to the sinks.
	ctx, stop := signal.NotifyContext(parent, launch.Signals()...)
	defer stop()
	out, err := launch.Run(ctx, o)
	if ie := (*launch.InterruptError)(nil); errors.As(err, &ie) {
		return withCode(exitSignalBase+launch.SignalNumber(ie.Signal), fmt.Errorf("launch %s: %w", o.Task.Name, ie))
	}
	if err != nil {
		return fmt.Errorf("launch %s: %w", o.Task.Name, err)
	}
	return reportLaunch(a, f, o.Task.Name, out)
}

// launchOptions reads the command line: the task, the flags that override
// its settings, and the claude arguments after --.
func launchOptions(a *appEnv, f launchFlags) (launch.Options, *helper.Client, error) {
	args := f.args
	if len(args) == 0 {
		return launch.Options{}, nil, withHint(usageErr("launch: no task given"), "ccq tasks lists the tasks; usage: ccq launch <task> [-- claude arguments]")
	}
	// urfave/cli stops parsing at "--" and drops it; everything after the
	// task name goes to claude.
	name, extra := args[0], args[1:]
	if len(extra) > 0 {
		if extra[0] != "--" {
			return launch.Options{}, nil, withHint(usageErr("launch: unexpected argument %q after the task name", extra[0]),
				"ccq flags go before the task name, claude arguments after --: ccq launch --timeout 30m nightly -- --bare")
		}
		extra = extra[1:]
	}
	if f.settings.MaxTurns < 0 {
		return launch.Options{}, nil, usageErr("launch: --max-turns must be positive")
	}
	if f.settings.Timeout < 0 || f.grace < 0 {
		return launch.Options{}, nil, usageErr("launch: --timeout and --grace must be positive")
	}
	if err := checkScheduleFlags(f); err != nil {
		return launch.Options{}, nil, err
	}
	maxConc, err := maxConcurrent(a, f)
	if err != nil {
		return launch.Options{}, nil, err
	}
	tasksDir := launch.TasksDir(f.tasksDir, a.env, a.cwd)
	task, err := launch.Resolve(name, tasksDir, a.cwd)
	if err != nil {
		err = withCode(exitUsage, err)
		if errors.Is(err, launch.ErrNoTask) {
			err = withHint(err, "ccq tasks lists the tasks in "+tasksDir)
		}
		return launch.Options{}, nil, err
	}
	o := launch.Options{
		Task:          task,
		Flags:         f.settings,
		Extra:         extra,
		Claude:        f.claude,
		Env:           a.env,
		Cwd:           a.cwd,
		LogsDir:       f.logsDir,
		Grace:         f.grace,
		Guard:         guardCommand,
		MaxConcurrent: maxConc,
	}
	var hc *helper.Client
	if o.Sinks, hc, err = launchSinks(a, f.sinks, task, o.LogsDir); err != nil {
		return launch.Options{}, nil, err
	}
	o.Sinks = append(o.Sinks, catchUpSinks(a, task)...)
	if !f.quiet && isTerminal(a.stderr) {
		o.Progress = a.stderr
	}
	o.Version = buildVersion() // for the fingerprint
	return o, hc, nil
}

// reportLaunch prints what the run left for the user and picks the exit
// code (launchExitCode). Off a terminal a successful run prints nothing at
// all (cron mails any output); a failed or skipped one prints a summary on
// stderr. --verbose prints it always, --quiet never.
func reportLaunch(a *appEnv, f launchFlags, task string, out *launch.Outcome) error {
	code := launchExitCode(out)
	quiet, verbose := f.quiet, f.verbose
	speak := verbose || code != exitOK || isTerminal(a.stderr)
	if speak && !quiet { // --quiet: errors only
		for _, w := range out.Warnings {
			fmt.Fprintf(a.stderr, "ccq: warning: %s\n", w)
		}
	}
	if out.RecordErr != nil {
		fmt.Fprintf(a.stderr, "ccq: error: history line of run %s not written: %v\n", out.Entry.RunID, out.RecordErr)
	}
	if out.Ending == launch.Skipped {
		if !quiet {
			fmt.Fprintf(a.stderr, "ccq: %s: skipped: %s\n", task, out.SkipReason)
		}
		return withCode(code, nil)
	}
	if f.json {
		entries := out.Entries
		if len(entries) == 0 {
			entries = []recorder.Entry{out.Entry}
		}
		for _, e := range entries {
			if b, err := e.Marshal(); err == nil {
				a.stdout.Write(b)
			}
		}
	}
	if out.StartErr != nil {
		return withCode(code, withHint(fmt.Errorf("launch %s: start claude: %w", task, out.StartErr),
			"install Claude Code (npm install -g @anthropic-ai/claude-code) and log in (claude /login, or ANTHROPIC_API_KEY in the job's environment), or set --"+flagClaude+" or $"+launch.EnvClaude+" to the claude binary"))
	}
	if !quiet && speak {
		printSummary(a.stderr, out, code != exitOK && !isTerminal(a.stderr) || verbose && !out.Entry.Success)
		if h := loginHint(out.Entry.ErrorDetail); h != "" {
			fmt.Fprintf(a.stderr, "ccq: hint: %s\n", h)
		}
	}
	if code != exitOK {
		return withCode(code, nil)
	}
	return nil
}

// loginHint is what to do when claude's own error says it has no
// credentials: a scheduler's environment often lacks the user's login.
func loginHint(detail string) string {
	d := strings.ToLower(detail)
	if strings.Contains(d, "not logged in") || strings.Contains(d, "/login") || strings.Contains(d, "invalid api key") {
		return "claude has no credentials here: run claude /login as the user the scheduler runs as, or set ANTHROPIC_API_KEY in the job's environment"
	}
	return ""
}

// summaryTail is how many lines of the session log a failure's summary
// shows.
const summaryTail = 10

// printSummary prints the run's one-line summary and, for a failure read
// later (cron mail), the attempts and the end of the session log.
func printSummary(w io.Writer, out *launch.Outcome, long bool) {
	summary := launch.Summary(&out.Entry)
	if long && out.ClientSaid != "" && !strings.Contains(summary, out.ClientSaid) {
		// What cron mails leads with claude's own words, whatever follows.
		fmt.Fprintf(w, "claude: %s\n", stats.Printable(out.ClientSaid))
	}
	fmt.Fprintln(w, summary)
	if !long {
		return
	}
	if n := len(out.Entries); n > 1 {
		fmt.Fprintf(w, "ccq: %d attempts; the first was run %s\n", n, out.Entries[0].RunID)
	}
	if note := out.RetryNote(); note != "" {
		fmt.Fprintf(w, "ccq: not retried: %s\n", note)
	}
	if lines := launch.LogTail(out.Entry.LogFile, summaryTail); len(lines) > 0 {
		fmt.Fprintf(w, "ccq: end of the session log %s:\n", out.Entry.LogFile)
		for _, l := range lines {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// splitList accepts repeated flags and comma-separated values alike.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
