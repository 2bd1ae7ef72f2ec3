package serve

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/report"
	"github.com/ccq-dev/ccq/stats"
)

// Config is what `ccq report --serve` resolved from its command line,
// once: the pages are made long after, each with its own time.
type Config struct {
	History      string   // resolved
	Cache        string   // the summary cache, "" for none
	Tasks        []string // --task globs
	Since, Until string   // as given: an age is relative to each page's time
	By           string   // --by day|week
	WorkDir      string
	Version      string
	Elsewhere    []string // other logs directories with a history
	Stderr       io.Writer
}

// Options are the page's options as of now, as ccq report would use them:
// runs whose recorder died are closed first, so they count.
func (c Config) Options(now time.Time) (report.Options, error) {
	f := stats.Filter{Tasks: c.Tasks}
	var err error
	if c.Since != "" {
		if f.Since, err = stats.ParseWhen(c.Since, now, false); err != nil {
			return report.Options{}, fmt.Errorf("--since: %w", err)
		}
	}
	if c.Until != "" {
		if f.Until, err = stats.ParseWhen(c.Until, now, true); err != nil {
			return report.Options{}, fmt.Errorf("--until: %w", err)
		}
	}
	opt := report.Options{
		History:   c.History,
		Stats:     stats.Options{Filter: f, Period: c.By, Cache: c.Cache},
		Now:       now,
		WorkDir:   c.WorkDir,
		Version:   c.Version,
		Elsewhere: c.Elsewhere,
	}
	if filepath.Base(c.History) == recorder.HistoryName {
		dir := filepath.Dir(c.History)
		if _, err := recorder.CloseStale(dir, now); err != nil && c.Stderr != nil {
			fmt.Fprintf(c.Stderr, "ccq: warning: cannot close unfinished runs: %v\n", err)
		}
		opt.InProgress = recorder.InProgress(dir, now)
	}
	return opt, nil
}
