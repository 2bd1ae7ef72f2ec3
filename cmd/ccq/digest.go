package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/ccq-dev/ccq/digest"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

const (
	flagLast   = "last"
	flagBudget = "budget"
)

// defaultDigestRuns is how many runs `ccq digest` covers without --last.
const defaultDigestRuns = 5

func createDigestCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:      "digest",
		Usage:     "sum up a task's last runs for its next prompt",
		ArgsUsage: "<task>",
		Description: `Prints a short digest of the task's last runs, newest first: outcome, why a
failed run failed (error_detail, or the verification that failed), duration,
tokens and the end of a failed run's answer. It is bounded to --budget tokens
(estimated as bytes/4) and scrubbed of what looks like a credential; a clean
streak is one line, and a task without runs prints nothing. It reads the
history from its end, so a long history costs no more than a short one.

Feed it to any scheduler's run: claude -p "$(cat task.md; ccq digest task)".
ccq launch does the same with feedback: N in the task or --feedback N.`,
		Flags: []cli.Flag{
			historyFlag(),
			logsDirFlag(),
			&cli.IntFlag{Name: flagLast, Value: defaultDigestRuns, Usage: fmt.Sprintf("how many runs (1 to %d)", launch.MaxFeedback)},
			&cli.IntFlag{Name: flagBudget, Value: digest.DefaultBudget, Usage: "most tokens the digest may take (estimated as bytes/4)"},
			&cli.BoolFlag{Name: flagJSON, Usage: "print the digest and its runs as JSON"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("digest takes one task name")
			}
			n, budget := c.Int(flagLast), c.Int(flagBudget)
			if n < 1 || n > launch.MaxFeedback {
				return usageErr("--last %d: want 1 to %d", n, launch.MaxFeedback)
			}
			if budget < 50 {
				return usageErr("--budget %d: want at least 50 tokens", budget)
			}
			task := strings.TrimSuffix(c.Args().First(), launch.TaskExt)
			if i := strings.LastIndexByte(task, '/'); i >= 0 {
				task = task[i+1:] // a task file's path names its task
			}
			path := recorder.HistoryPath(readLogsDir(a, c))
			if p := c.String(flagHistory); p != "" {
				if !filepath.IsAbs(p) {
					p = filepath.Join(a.cwd, p)
				}
				path = p
			}
			runs, err := digest.ReadFile(path, recorder.CleanID(task), n)
			if err != nil {
				return fmt.Errorf("digest: %w", err)
			}
			d := digest.Make(recorder.CleanID(task), runs, budget)
			if c.Bool(flagJSON) {
				if d.Runs == nil {
					d.Runs = []digest.Run{}
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			if d.Text != "" {
				fmt.Fprintln(a.stdout, d.Text)
			}
			return nil
		},
	}
}
