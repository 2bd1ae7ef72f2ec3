package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ccq-dev/ccq/launch"
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
	flagGuardian        = "guardian" // hidden: run as a launch's guardian
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

Exit code: claude's own; 124 when the run timed out; 127 when claude could
not be started; 128+n when a signal n ended the run; 2 for a bad task.`,
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
			&cli.BoolFlag{Name: flagGuardian, Hidden: true},
		},
		Action: func(c *cli.Context) error { return launchAction(a, c) },
	}
}

func launchAction(a *appEnv, c *cli.Context) error {
	if c.Bool(flagGuardian) {
		return guardAction(a)
	}
	o, err := launchOptions(a, c)
	if err != nil {
		return err
	}
	out, err := launch.Run(o)
	if err != nil {
		return fmt.Errorf("launch %s: %w", o.Task.Name, err)
	}
	return reportLaunch(a, c, o.Task.Name, out)
}

// launchOptions reads the command line: the task, the flags that override
// its settings, and the claude arguments after --.
func launchOptions(a *appEnv, c *cli.Context) (launch.Options, error) {
	args := c.Args().Slice()
	if len(args) == 0 {
		return launch.Options{}, withHint(usageErr("launch: no task given"), "ccq tasks lists the tasks; usage: ccq launch <task> [-- claude arguments]")
	}
	// urfave/cli stops parsing at "--" and drops it; everything after the
	// task name goes to claude.
	name, extra := args[0], args[1:]
	if len(extra) > 0 {
		if extra[0] != "--" {
			return launch.Options{}, withHint(usageErr("launch: unexpected argument %q after the task name", extra[0]),
				"ccq flags go before the task name, claude arguments after --: ccq launch --timeout 30m nightly -- --bare")
		}
		extra = extra[1:]
	}
	if c.Int(flagMaxTurns) < 0 {
		return launch.Options{}, usageErr("launch: --max-turns must be positive")
	}
	if c.Duration(flagTimeout) < 0 || c.Duration(flagGrace) < 0 {
		return launch.Options{}, usageErr("launch: --timeout and --grace must be positive")
	}
	tasksDir := launch.TasksDir(c.String(flagTasksDir), a.env, a.cwd)
	task, err := launch.Resolve(name, tasksDir, a.cwd)
	if err != nil {
		err = withCode(exitUsage, err)
		if errors.Is(err, launch.ErrNoTask) {
			err = withHint(err, "ccq tasks lists the tasks in "+tasksDir)
		}
		return launch.Options{}, err
	}
	o := launch.Options{
		Task:    task,
		Flags:   flagSettings(c),
		Extra:   extra,
		Claude:  c.String(flagClaude),
		Env:     a.env,
		Cwd:     a.cwd,
		LogsDir: a.logsDir(c),
		Grace:   c.Duration(flagGrace),
		Guard:   guardCommand(),
	}
	if !c.Bool(flagQuiet) && isTerminal(a.stderr) {
		o.Progress = a.stderr
	}
	return o, nil
}

// flagSettings are the task settings given as flags.
func flagSettings(c *cli.Context) launch.Settings {
	return launch.Settings{
		Timeout:         c.Duration(flagTimeout),
		Model:           c.String(flagModel),
		MaxTurns:        c.Int(flagMaxTurns),
		PermissionMode:  c.String(flagPermissionMode),
		AllowedTools:    splitList(c.StringSlice(flagAllowedTools)),
		DisallowedTools: splitList(c.StringSlice(flagDisallowedTools)),
		Cwd:             c.String(flagCwd),
	}
}

// reportLaunch prints what the run left for the user and picks the exit
// code (launchExitCode).
func reportLaunch(a *appEnv, c *cli.Context, task string, out *launch.Outcome) error {
	for _, w := range out.Warnings {
		fmt.Fprintf(a.stderr, "ccq: warning: %s\n", w)
	}
	if out.RecordErr != nil {
		fmt.Fprintf(a.stderr, "ccq: error: history line of run %s not written: %v\n", out.Entry.RunID, out.RecordErr)
	}
	if c.Bool(flagJSON) {
		if b, err := out.Entry.Marshal(); err == nil {
			a.stdout.Write(b)
		}
	}
	code := launchExitCode(out)
	if out.StartErr != nil {
		return withCode(code, withHint(fmt.Errorf("launch %s: start claude: %w", task, out.StartErr),
			"set --"+flagClaude+" or $"+launch.EnvClaude+" to the claude binary"))
	}
	if !c.Bool(flagQuiet) {
		fmt.Fprintln(a.stderr, launch.Summary(&out.Entry))
	}
	if code != exitOK {
		return withCode(code, nil)
	}
	return nil
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
