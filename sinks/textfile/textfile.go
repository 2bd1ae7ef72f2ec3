// Package textfile keeps node_exporter's textfile collector up to date
// with ccq's metrics: after every run `ccq launch` records, Finished
// rewrites DIR/ccq.prom (package metrics) from the history, DIR being
// $CCQ_TEXTFILE_DIR. The history is read through the summary cache, so
// each rewrite reads only the lines appended since the one before.
//
// Like every sink it cannot change a run: its errors become the
// launcher's warnings. Two runs ending at once each write a whole file and
// rename it into place, so the file is always one of theirs, whole.
//
// Wiring: cmd/ccq/sinks.go appends New(a.env, logsDir) to
// launch.Options.Sinks when it is not nil.
package textfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/metrics"
	"github.com/ccq-dev/ccq/recorder"
)

// EnvDir names the textfile directory (node_exporter's
// --collector.textfile.directory).
const EnvDir = "CCQ_TEXTFILE_DIR"

// Sink writes the metrics textfile when a run finishes.
type Sink struct {
	dir     string
	logsDir string
}

// New returns the sink for $CCQ_TEXTFILE_DIR, or nil when it is unset or
// empty. The directory must be an absolute path to an existing directory:
// a mistake is reported before the run, not after it.
func New(env map[string]string, logsDir string) (*Sink, error) {
	dir := env[EnvDir]
	if dir == "" {
		return nil, nil
	}
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("$%s must be an absolute path, not %q", EnvDir, dir)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("$%s: %w", EnvDir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("$%s: %s is not a directory", EnvDir, dir)
	}
	return &Sink{dir: filepath.Clean(dir), logsDir: logsDir}, nil
}

// Dir is the textfile directory.
func (s *Sink) Dir() string { return s.dir }

// Started does nothing: runs in progress are counted when a run finishes
// (a scrape between the two sees the file of the run before).
func (s *Sink) Started(context.Context, launch.RunInfo) error { return nil }

// Finished rewrites DIR/ccq.prom from the history, which already holds the
// run's line.
func (s *Sink) Finished(ctx context.Context, _ launch.RunInfo, _ recorder.Entry) error {
	return s.Write(ctx)
}

// Write rewrites DIR/ccq.prom now.
func (s *Sink) Write(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		src := metrics.ForLogsDir(s.logsDir)
		if err := src.Refresh(); err != nil {
			done <- err
			return
		}
		done <- metrics.WriteTextfile(s.dir, metrics.NewRegistry(src))
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.Join(errors.New("textfile not written in time"), ctx.Err())
	}
}

var _ launch.Sink = (*Sink)(nil)
