package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/internal/fsutil"
	"github.com/ccq-dev/ccq/recorder"
	htmlreport "github.com/ccq-dev/ccq/report"
	"github.com/ccq-dev/ccq/stats"
	"github.com/urfave/cli/v2"
)

const (
	flagOutput = "output"
	flagServe  = "serve"
	// reportName is the page's file name in the history's directory.
	reportName = "report.html"
)

func createReportCommand(a *appEnv) *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "write one self-contained HTML page: figures, charts and failures per task",
		Description: `Writes one HTML file that opens from disk with no network access: the
figures of ` + "`ccq stats`" + ` per task and for all tasks, charts per day (or
week) of runs by outcome, success rate, duration p50/p95, tokens and cost,
failure counts with their top details, the latest failures with links to
their session logs, and the runs in progress. Hover or tap a bar or point for
its exact values; every chart's numbers are also in a table.

The page is ` + reportName + ` beside the history unless -o names another file
(-o - writes it to stdout). --serve ADDR serves the same page over HTTP
instead: made again when the history or the runs in progress change (or it
is a minute old), one page at a time; a few requests wait for it, more are
answered 503.`,
		Flags: append(filterFlags(),
			historyFlag(),
			logsDirFlag(),
			tasksDirFlag(),
			&cli.StringFlag{Name: flagOutput, Aliases: []string{"o"}, Usage: "file to write (- for stdout; default: " + reportName + " beside the history)"},
			&cli.StringFlag{Name: flagBy, Usage: "chart period: day or week (default: day when the runs span 4 weeks or less)"},
			&cli.StringFlag{Name: flagServe, Usage: "serve the page at `ADDR` (such as 127.0.0.1:8080) instead of writing it"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("report takes no arguments (use --task)")
			}
			by := c.String(flagBy)
			if by != "" && by != stats.PeriodDay && by != stats.PeriodWeek {
				return usageErr("--by must be day or week, not %q", by)
			}
			if c.IsSet(flagServe) && c.IsSet(flagOutput) {
				return usageErr("--serve and -o cannot be combined")
			}
			f := reportFlags{hist: readHistoryFlags(a, c), tasksDir: c.String(flagTasksDir), output: c.String(flagOutput), by: by}
			if addr := c.String(flagServe); addr != "" {
				return a.serveReport(f, addr)
			}
			return a.writeReport(f)
		},
	}
}

// reportFlags is `ccq report`'s command line, read once by its action.
type reportFlags struct {
	hist     historyFlags
	tasksDir string // --tasks-dir, as given
	output   string // -o, as given
	by       string // the chart period, checked
}

// reportOptions reads the history's place and filters as of now.
func (a *appEnv) reportOptions(f reportFlags, now time.Time) (history, htmlreport.Options, error) {
	h, err := a.openHistoryOf(f.hist, now)
	if err != nil {
		return h, htmlreport.Options{}, err
	}
	opt := htmlreport.Options{
		History: h.path,
		Stats:   stats.Options{Filter: h.filter, Period: f.by, Cache: h.cache()},
		Now:     now,
		WorkDir: a.cwd,
		Version: buildVersion(),
	}
	if filepath.Base(h.path) == recorder.HistoryName {
		opt.InProgress = recorder.InProgress(filepath.Dir(h.path), now)
	}
	opt.Elsewhere = a.otherHistories(h)
	opt.Missed, opt.MissedAsOf = reportMissed(a, f.tasksDir, h.path)
	return h, opt, nil
}

func (a *appEnv) writeReport(f reportFlags) error {
	h, opt, err := a.reportOptions(f, time.Now())
	if err != nil {
		return err
	}
	out := f.output
	if out == "/dev/stdout" {
		out = "-" // stdout itself, even when it is redirected to a file
	}
	defaultOut := out == ""
	switch {
	case defaultOut:
		out = filepath.Join(filepath.Dir(h.path), reportName)
	case out != "-" && !filepath.IsAbs(out):
		out = filepath.Join(a.cwd, out)
	}
	opt.PageDir = a.cwd
	if out != "-" {
		opt.PageDir = filepath.Dir(out)
	}
	p, err := htmlreport.Build(opt)
	if err != nil {
		return err
	}
	warnSkipped(a.stderr, h.path, stats.Counts{Skipped: p.Skipped, FirstSkipped: p.FirstSkipped})
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return err
	}
	if out == "-" {
		_, err := a.stdout.Write(b.Bytes())
		return err
	}
	if defaultOut {
		// The logs directory of a history that does not exist yet.
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return fmt.Errorf("cannot write the report: %w", err)
		}
	}
	if err := writeFileAtomic(out, b.Bytes()); err != nil {
		return withHint(fmt.Errorf("cannot write the report to %s: %w", out, err), "-o names another file; -o - writes to stdout")
	}
	fmt.Fprintf(a.stdout, "wrote %s (%s)\n", out, sizeOf(b.Len()))
	return nil
}

// writeFileAtomic replaces path with data (mode 0600: session output can
// hold secrets), or leaves it as it was. Errors name the cause, not the
// temporary file.
func writeFileAtomic(path string, data []byte) error {
	err := fsutil.WriteFileAtomic(path, data, recorder.FileMode)
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// serveReport serves the page until SIGINT or SIGTERM: ccq checks the
// history and the filters, and ccq-helper (which links net/http) serves.
// Session logs are not served (they can hold secrets), so the page names
// their paths without linking them.
func (a *appEnv) serveReport(f reportFlags, addr string) error {
	h, err := a.openHistoryOf(f.hist, time.Now())
	if err != nil {
		return err // bad filters: say so before listening
	}
	h.Close()
	args := []string{"report-serve", "--history", h.path, "--listen", addr, "--by", f.by,
		"--since", f.hist.since, "--until", f.hist.until, "--workdir", a.cwd, "--ccq-version", buildVersion()}
	if c := h.cache(); c != "" {
		args = append(args, "--cache", c)
	}
	for _, t := range h.filter.Tasks {
		args = append(args, "--task", t)
	}
	for _, d := range a.otherHistories(h) {
		args = append(args, "--elsewhere", d)
	}
	return handOff(a, "report --serve", args...)
}

func sizeOf(n int) string {
	if n < 10_000 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d kB", (n+500)/1000)
}
