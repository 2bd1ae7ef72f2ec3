package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/shquote"
	"github.com/ccq-dev/ccq/stats"
	"github.com/tidwall/gjson"
	"github.com/urfave/cli/v2"
)

func createShowCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print one run's history entry and its session log",
		ArgsUsage: "<run_id>",
		Description: `Prints every field of the run's history line, then the session log the
launcher wrote (a Markdown file). A run recorded by the hook alone points at
Claude Code's transcript (.jsonl) instead: its path is printed, not its
content. A unique prefix of a run id is enough.`,
		Flags: []cli.Flag{
			historyFlag(),
			logsDirFlag(),
			&cli.BoolFlag{Name: flagJSON, Usage: "print only the history line, as recorded"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("show needs one run id (see ccq runs)")
			}
			id := c.Args().First()
			if id == "" {
				return usageErr("show needs a run id")
			}
			h, err := a.openHistoryOf(readHistoryFlags(a, c), time.Now())
			if err != nil {
				return err
			}
			lines, ambiguous, counts, err := stats.Find(h.path, id, 0)
			if err != nil {
				return err
			}
			warnSkipped(a.stderr, h.path, counts)
			if len(ambiguous) > 0 {
				return usageErr("run id %q is ambiguous: it starts %s", id, strings.Join(ambiguous, ", "))
			}
			if len(lines) == 0 {
				if counts.Lines == 0 {
					hint := "is --logs-dir right?"
					for i, dir := range a.otherHistories(h) {
						if i == 0 {
							hint = ""
						} else {
							hint += "\n"
						}
						hint += fmt.Sprintf("runs are recorded in %s: ccq show --logs-dir %s %s", dir, shquote.Quote(dir), shquote.Quote(id))
					}
					return withHint(fmt.Errorf("no run %s: no runs recorded yet in %s", id, h.path), hint)
				}
				return withHint(fmt.Errorf("no run %s in %s", id, h.path), "ccq runs lists the latest run ids")
			}
			if c.Bool(flagJSON) {
				for _, l := range lines {
					fmt.Fprintf(a.stdout, "%s\n", l.Raw)
				}
				return nil
			}
			if len(lines) > 1 {
				fmt.Fprintf(a.stderr, "ccq: warning: run %s has %d history lines; showing each\n", id, len(lines))
			}
			var logFile string
			for i, l := range lines {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				writeEntry(a.stdout, l.Raw)
				if lf := gjson.GetBytes(l.Raw, "log_file").String(); lf != "" {
					logFile = lf
				}
			}
			return a.showLog(logFile, filepath.Dir(h.path))
		},
	}
}

// writeEntry prints the fields of a history line in their recorded order,
// strings bare and everything else as JSON.
func writeEntry(w io.Writer, raw []byte) {
	g := gjson.ParseBytes(raw)
	width := 0
	g.ForEach(func(k, _ gjson.Result) bool {
		width = max(width, len(k.String()))
		return true
	})
	g.ForEach(func(k, v gjson.Result) bool {
		val := v.Raw
		switch v.Type {
		case gjson.String:
			val = v.Str
		case gjson.JSON:
			var b bytes.Buffer
			if json.Compact(&b, []byte(v.Raw)) == nil {
				val = b.String()
			}
		}
		key := stats.Printable(k.String())
		fmt.Fprintf(w, "%s:%s %s\n", key, strings.Repeat(" ", max(0, width-len(key))), stats.Printable(val))
		return true
	})
}

// showLog prints the session log: a Markdown log's content, a transcript's
// path only (it is Claude Code's own JSON Lines, often large).
func (a *appEnv) showLog(path, historyDir string) error {
	if path == "" {
		fmt.Fprintln(a.stdout, "\n(no session log recorded for this run)")
		return nil
	}
	if !filepath.IsAbs(path) {
		// Recorded paths are absolute; a relative one is tried against the
		// logs directory, then the working directory.
		rel := path
		path = filepath.Join(historyDir, rel)
		if _, err := os.Stat(path); err != nil {
			if alt := filepath.Join(a.cwd, rel); fileExists(alt) {
				path = alt
			}
		}
	}
	if strings.HasSuffix(path, ".jsonl") {
		fmt.Fprintf(a.stdout, "\n--- transcript (recorded by the hook; not printed): %s\n", stats.Printable(path))
		return nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(a.stdout, "\n--- session log: %s (missing)\n", stats.Printable(path))
		fmt.Fprintf(a.stderr, "ccq: warning: session log %s does not exist\n", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("open session log: %w", err)
	}
	defer f.Close()
	fmt.Fprintf(a.stdout, "\n--- session log: %s\n", stats.Printable(path))
	if _, err := io.Copy(a.stdout, f); err != nil {
		return fmt.Errorf("read session log: %w", err)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
