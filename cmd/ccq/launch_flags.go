package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/urfave/cli/v2"
)

// launchFlags is `ccq launch`'s command line, read once by its action;
// nothing below the action sees the cli.Context.
type launchFlags struct {
	args                           []string // the task, then "--" and claude's arguments
	logsDir                        string
	tasksDir                       string
	claude                         string
	grace                          time.Duration
	settings                       launch.Settings // the task settings given as flags
	retryOn                        []string        // as given; settings.RetryOn is parsed from it
	maxConc                        int
	set                            map[string]bool // the flags given on the command line
	quiet, json, verbose, guardian bool
	sinks                          sinkFlags
}

// sinkFlags are the flags of the launch's sinks.
type sinkFlags struct {
	pingURL     string
	pingTime    time.Duration
	notify      []string
	notifyOn    string
	notifyOnSet bool
}

// readLaunchFlags turns the command line into launchFlags.
func readLaunchFlags(a *appEnv, c *cli.Context) launchFlags {
	f := launchFlags{
		args: c.Args().Slice(), logsDir: readLogsDir(a, c), tasksDir: c.String(flagTasksDir),
		claude: c.String(flagClaude), grace: c.Duration(flagGrace),
		retryOn: c.StringSlice(flagRetryOn), maxConc: c.Int(flagMaxConcurrent), set: map[string]bool{},
		quiet: c.Bool(flagQuiet), json: c.Bool(flagJSON), verbose: c.Bool(flagVerbose), guardian: c.Bool(flagGuardian),
		sinks: sinkFlags{pingURL: c.String(flagPingURL), pingTime: c.Duration(flagPingTime),
			notify: c.StringSlice(flagNotify), notifyOn: c.String(flagNotifyOn), notifyOnSet: c.IsSet(flagNotifyOn)},
	}
	for _, fl := range c.Command.Flags {
		if n := fl.Names()[0]; c.IsSet(n) {
			f.set[n] = true
		}
	}
	f.settings = launch.Settings{
		Timeout:         c.Duration(flagTimeout),
		Model:           c.String(flagModel),
		MaxTurns:        c.Int(flagMaxTurns),
		PermissionMode:  c.String(flagPermissionMode),
		AllowedTools:    splitList(c.StringSlice(flagAllowedTools)),
		DisallowedTools: splitList(c.StringSlice(flagDisallowedTools)),
		Cwd:             c.String(flagCwd),
		RetryDelay:      c.Duration(flagRetryDelay),
		RetryMaxDelay:   c.Duration(flagRetryMaxDelay),
		Deadline:        c.Duration(flagDeadline),
		IdleTimeout:     c.Duration(flagIdleTimeout),
		Overlap:         c.String(flagOverlap),
		MaxBudgetUSD:    c.Float64(flagMaxBudgetUSD),
		Feedback:        c.Int(flagFeedback),
	}
	if f.set[flagRetries] {
		n := c.Int(flagRetries)
		f.settings.Retries = &n
	}
	f.settings.RetryOn, _ = launch.ParseRetryOn(f.retryOn) // checked by checkScheduleFlags
	return f
}

// checkScheduleFlags refuses bad values of the scheduling flags: each is a
// usage error naming the flag.
func checkScheduleFlags(f launchFlags) error {
	s := f.settings
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{flagRetryDelay, s.RetryDelay}, {flagRetryMaxDelay, s.RetryMaxDelay}, {flagDeadline, s.Deadline},
		{flagIdleTimeout, s.IdleTimeout}, {flagPingTime, f.sinks.pingTime}} {
		if f.set[d.flag] && d.v <= 0 {
			return usageErr("launch: --%s %v: must be a positive duration", d.flag, d.v)
		}
	}
	if f.set[flagRetries] {
		if err := launch.CheckRetries(*s.Retries); err != nil {
			return usageErr("launch: --%s: %v", flagRetries, err)
		}
	}
	if f.set[flagRetryOn] {
		if _, err := launch.ParseRetryOn(f.retryOn); err != nil {
			return usageErr("launch: --%s: %v", flagRetryOn, err)
		}
	}
	if f.set[flagFeedback] {
		if err := launch.CheckFeedback(s.Feedback); err != nil {
			return usageErr("launch: --%s: %v", flagFeedback, err)
		}
	}
	if f.set[flagOverlap] {
		if err := launch.CheckOverlap(s.Overlap); err != nil {
			return usageErr("launch: --%s: %v", flagOverlap, err)
		}
	}
	if f.set[flagMaxBudgetUSD] {
		if err := launch.CheckBudget(s.MaxBudgetUSD); err != nil {
			return usageErr("launch: --%s %v: %v", flagMaxBudgetUSD, s.MaxBudgetUSD, err)
		}
	}
	if f.set[flagMaxConcurrent] && f.maxConc < 1 {
		return usageErr("launch: --%s %d: must be at least 1", flagMaxConcurrent, f.maxConc)
	}
	return nil
}

// maxConcurrent is --max-concurrent, else $CCQ_MAX_CONCURRENT, else 0 (no
// bound).
func maxConcurrent(a *appEnv, f launchFlags) (int, error) {
	if f.set[flagMaxConcurrent] {
		return f.maxConc, nil
	}
	v := strings.TrimSpace(a.env[envMaxConcurrent])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, usageErr("launch: $%s %q: want a whole number of at least 1", envMaxConcurrent, v)
	}
	return n, nil
}
