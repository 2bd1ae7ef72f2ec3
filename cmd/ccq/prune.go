package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/prune"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const (
	flagOlderThan = "older-than"
	flagForce     = "force"
	flagDryRun    = "dry-run"
	flagArchive   = "archive"
)

func createPruneCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "remove (or archive) the records of runs older than a cut",
		Description: `Removes the history lines of runs that started before the cut, and the
session logs and day directories (logs/YYYY-MM-DD) older than it. The
history is rewritten under the lock every recorder takes, so runs that end
meanwhile are not lost.

--archive moves the old lines into compressed monthly archives
(archive/history-YYYY-MM.jsonl.gz) instead, which stats and runs read with
--include-archives. --dry-run says what would go and how much space it
frees, and changes nothing.`,
		Flags: []cli.Flag{
			logsDirFlag(),
			&cli.StringFlag{Name: flagOlderThan, Usage: "the cut (required): an age (90d, 12w), a date (2026-03-01, UTC) or an RFC 3339 time"},
			&cli.BoolFlag{Name: flagDryRun, Aliases: []string{"n"}, Usage: "say what would go; change nothing"},
			&cli.BoolFlag{Name: flagForce, Usage: "prune with a cut less than a day ago (the runs being recorded go too)"},
			&cli.BoolFlag{Name: flagArchive, Usage: "move old history lines into archive/history-YYYY-MM.jsonl.gz instead of removing them"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("prune takes no arguments")
			}
			if c.String(flagOlderThan) == "" {
				return withHint(usageErr("prune needs --older-than"), "e.g. ccq prune --older-than 90d --dry-run")
			}
			now := time.Now()
			ms, err := stats.ParseWhen(c.String(flagOlderThan), now, false)
			if err != nil {
				return usageErr("--older-than: %v", err)
			}
			cut := time.UnixMilli(ms)
			if cut.After(now) {
				return usageErr("--older-than %s is in the future (%s)", c.String(flagOlderThan), cut.UTC().Format(time.RFC3339))
			}
			// A cut under a day old (0d, 1h, today) takes the runs of
			// the last hours, likely still being looked at: say so, unless
			// --force (or --dry-run, which changes nothing).
			if now.Sub(cut) < 24*time.Hour && !c.Bool(flagForce) && !c.Bool(flagDryRun) {
				return withHint(usageErr("--older-than %s is less than a day ago (%s): it would prune the latest runs", c.String(flagOlderThan), cut.UTC().Format(time.RFC3339)),
					"--force prunes it anyway; --dry-run shows what would go")
			}
			opt := prune.Options{LogsDir: readLogsDir(a, c), Cut: cut, DryRun: c.Bool(flagDryRun), Archive: c.Bool(flagArchive)}
			res, err := prune.Run(opt)
			if err != nil {
				return withHint(err, "nothing was removed from the history; fix the cause and run ccq prune again")
			}
			writePruneResult(a.stdout, opt, res)
			return nil
		},
	}
}

func writePruneResult(w io.Writer, opt prune.Options, res prune.Result) {
	verb := map[bool]string{true: "would ", false: ""}[opt.DryRun]
	cut := opt.Cut.UTC().Format("2006-01-02 15:04")
	if res.Lines == 0 && res.Logs == 0 && len(res.Dirs) == 0 {
		fmt.Fprintf(w, "nothing older than %s UTC in %s\n", cut, opt.LogsDir)
		return
	}
	moved := map[bool]string{true: "move", false: "remove"}[opt.Archive]
	if !opt.DryRun {
		moved = map[bool]string{true: "moved", false: "removed"}[opt.Archive]
	}
	fmt.Fprintf(w, "runs started before %s UTC in %s:\n", cut, opt.LogsDir)
	fmt.Fprintf(w, "  history: %s%s %s (%s), %s kept\n", verb, moved, stats.Plural(int64(res.Lines), "line"), humanBytes(res.LineBytes), stats.Plural(int64(res.Kept), "line"))
	for _, p := range res.Archives {
		fmt.Fprintf(w, "  archive: %s\n", rel(opt.LogsDir, p))
	}
	fmt.Fprintf(w, "  session logs: %s%s %s (%s) in %s\n", verb, map[bool]string{true: "remove", false: "removed"}[opt.DryRun],
		stats.Plural(int64(res.Logs), "file"), humanBytes(res.LogBytes), dirs(len(res.Dirs)+len(res.Left)))
	for _, d := range res.Left {
		fmt.Fprintf(w, "  kept %s: it holds files other than session logs\n", rel(opt.LogsDir, d))
	}
	fmt.Fprintf(w, "  space %sfreed: %s\n", verb+map[bool]string{true: "be ", false: ""}[opt.DryRun], humanBytes(res.Freed()))
}

func dirs(n int) string {
	if n == 1 {
		return "1 day directory"
	}
	return fmt.Sprintf("%d day directories", n)
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}

// humanBytes is a size in B, KB, MB or GB (powers of 1024, one decimal).
func humanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, "KB"
	for _, u := range []string{"MB", "GB", "TB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
