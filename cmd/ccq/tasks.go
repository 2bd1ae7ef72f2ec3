package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

func createTasksCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:  "tasks",
		Usage: "list the tasks ccq launch can run",
		Flags: []cli.Flag{logsDirFlag(), tasksDirFlag()},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("tasks: unexpected argument %q", c.Args().First())
			}
			return listTasks(a, launch.TasksDir(c.String(flagTasksDir), a.env, a.cwd))
		},
	}
}

func listTasks(a *appEnv, dir string) error {
	tasks, bad, err := launch.List(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return withHint(fmt.Errorf("tasks: no tasks directory %s", dir),
			"create it and put one <task>.md per task there, or set --"+flagTasksDir+" or $"+launch.EnvTasksDir)
	}
	if err != nil {
		return fmt.Errorf("tasks: %w", err)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, t := range tasks {
		desc := t.Description
		if desc == "" {
			desc = firstLine(t.Prompt, 60)
		}
		timeout := "-"
		if t.Settings.Timeout > 0 {
			timeout = shortDuration(t.Settings.Timeout)
		}
		// A task file's description is anyone's text: no control
		// characters on the terminal (nor tabs to upset the columns).
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", stats.Printable(t.Name), timeout, taskSchedule(t), stats.Printable(desc))
	}
	tw.Flush()
	for _, e := range bad {
		fmt.Fprintf(a.stderr, "ccq: warning: %v\n", e)
	}
	if len(tasks) == 0 && len(bad) == 0 {
		fmt.Fprintf(a.stderr, "ccq: no tasks in %s\n", dir)
	}
	return nil
}

// shortDuration writes 30m rather than 30m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// firstLine is the first line of s, cut to n runes.
func firstLine(s string, n int) string {
	for i, c := range s {
		if c == '\n' {
			s = s[:i]
			break
		}
	}
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
