// Package retention is the launcher's sink that keeps a logs directory
// pruned: when a run finishes, and at most once a day, it runs ccq prune
// with the age given in $CCQ_RETENTION (e.g. 90d), so scheduled runs keep
// their own records in bounds with no cron job of their own.
//
// # Configuration
//
//	CCQ_RETENTION=90d          prune what started more than 90 days ago (d, w, or a Go duration)
//	CCQ_RETENTION_ARCHIVE=1    archive the old history lines instead of removing them
//
// The day is tracked by the modification time of the marker file
// .retention in the logs directory, touched before each prune; a prune
// already under way in another launcher (the marker's lock is held) is
// left to finish alone.
//
// # Wiring
//
// The launcher's command builds New(env, logsDir) and, when it returns a
// sink, adds it to launch.Options.Sinks. A prune failure becomes the
// launcher's warning; it never changes the run, its line or its exit code.
package retention

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/prune"
	"github.com/ccq-dev/ccq/recorder"
)

// Environment variables the sink reads.
const (
	EnvRetention = "CCQ_RETENTION"
	EnvArchive   = "CCQ_RETENTION_ARCHIVE"
)

// MarkerName is the marker file in the logs directory.
const MarkerName = ".retention"

// Every is how often the sink prunes at most.
const Every = 24 * time.Hour

// Sink prunes the logs directory after runs, at most once a day.
type Sink struct {
	age     time.Duration
	archive bool
	logsDir string
	now     func() time.Time
}

var _ launch.Sink = (*Sink)(nil)

// New reads $CCQ_RETENTION from env. It returns nil and no error when it
// is unset, and an error (a usage error for the caller) when it cannot be
// read.
func New(env map[string]string, logsDir string) (*Sink, error) {
	v := strings.TrimSpace(env[EnvRetention])
	if v == "" {
		return nil, nil
	}
	age, err := ParseAge(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvRetention, err)
	}
	archive := false
	if a := env[EnvArchive]; a != "" {
		if archive, err = strconv.ParseBool(a); err != nil {
			return nil, fmt.Errorf("%s=%q: want 1 or 0", EnvArchive, a)
		}
	}
	return &Sink{age: age, archive: archive, logsDir: logsDir, now: time.Now}, nil
}

// ParseAge reads an age: "90d", "12w", or a Go duration ("2160h"). It must
// be at least a day: a shorter one would prune the runs being recorded.
func ParseAge(s string) (time.Duration, error) {
	var d time.Duration
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		v, err := strconv.ParseFloat(s[:n-1], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("cannot read age %q: use 90d, 12w or a Go duration", s)
		}
		unit := 24 * time.Hour
		if s[n-1] == 'w' {
			unit *= 7
		}
		if v*float64(unit) >= math.MaxInt64 {
			return 0, fmt.Errorf("age %q is too long: at most %d days", s, math.MaxInt64/int64(24*time.Hour))
		}
		d = time.Duration(v * float64(unit))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("cannot read age %q: use 90d, 12w or a Go duration", s)
		}
	}
	if d < 24*time.Hour {
		return 0, fmt.Errorf("age %q is less than a day", s)
	}
	return d, nil
}

// SinkName names the sink in the launcher's warnings.
func (s *Sink) SinkName() string { return "retention" }

// Started does nothing: pruning waits for the run's line.
func (s *Sink) Started(context.Context, launch.RunInfo) error { return nil }

// Finished prunes if no prune ran in the last day.
func (s *Sink) Finished(ctx context.Context, _ launch.RunInfo, _ recorder.Entry) error {
	_, err := s.Prune(ctx)
	return err
}

// Prune runs the prune if it is due, and says whether it ran.
func (s *Sink) Prune(ctx context.Context) (bool, error) {
	if err := recorder.MkdirNoFollow(s.logsDir, s.logsDir); err != nil {
		return false, err
	}
	marker := filepath.Join(s.logsDir, MarkerName)
	f, err := recorder.OpenNoFollow(marker, os.O_RDWR|os.O_CREATE, recorder.FileMode)
	if err != nil {
		return false, fmt.Errorf("retention marker: %w", err)
	}
	defer f.Close()
	taken, err := recorder.TryLock(f)
	if err != nil {
		return false, fmt.Errorf("retention marker: %w", err)
	}
	if !taken {
		return false, nil // another launcher is pruning
	}
	now := s.now()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("retention marker: %w", err)
	}
	// A new marker (size 0, just made) is due; one touched within the day
	// is not.
	if st.Size() > 0 && now.Sub(st.ModTime()) < Every && !st.ModTime().After(now) {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	// Touch first: a prune that fails is not retried after every run.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(now.UTC().Format(time.RFC3339)+"\n"), 0)
	}
	_ = os.Chtimes(marker, now, now)
	_, err = prune.Run(prune.Options{LogsDir: s.logsDir, Cut: now.Add(-s.age), Archive: s.archive})
	if err != nil {
		return true, fmt.Errorf("prune: %w", err)
	}
	return true, nil
}
