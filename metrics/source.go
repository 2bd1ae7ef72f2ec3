package metrics

import (
	"sync"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
)

// A Source is the history as the collectors see it: the totals as of the
// last Refresh, and the runs in progress.
type Source struct {
	mu      sync.Mutex
	tracker *stats.Tracker
	logsDir string
	now     func() time.Time

	totals     *stats.Totals
	inProgress map[string]int // runs in progress by task
	lastSave   time.Time
	schedules  ScheduleWatch // nil: no schedule metrics (schedule.go)
}

// saveEvery is how often a long-lived Source (the server) writes the
// summary cache, so that the next `ccq stats` or server start reads little.
const saveEvery = 5 * time.Minute

// NewSource reads the history at historyPath through the summary cache
// cache ("" for none). Runs in progress are looked for in logsDir when the
// history is that directory's history.jsonl ("" to skip them).
func NewSource(historyPath, cache, logsDir string) *Source {
	return &Source{
		tracker:    stats.NewTracker(historyPath, cache),
		logsDir:    logsDir,
		now:        time.Now,
		totals:     &stats.Totals{},
		inProgress: map[string]int{},
	}
}

// ForLogsDir is the Source of a logs directory's history, with its cache.
func ForLogsDir(logsDir string) *Source {
	h := recorder.HistoryPath(logsDir)
	return NewSource(h, stats.CachePath(h), logsDir)
}

// Refresh reads what was appended to the history since the last Refresh
// and looks for runs in progress. On an error the last totals stay.
func (s *Source) Refresh() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inProgress := map[string]int{}
	if s.logsDir != "" {
		// InProgress also records runs whose processes died, so they count
		// below as the history lines they now are.
		for _, r := range recorder.InProgress(s.logsDir, s.now()) {
			inProgress[r.Task]++
		}
	}
	s.inProgress = inProgress
	if err := s.tracker.Update(); err != nil {
		return err
	}
	s.totals = s.tracker.Totals()
	if now := s.now(); now.Sub(s.lastSave) >= saveEvery {
		s.lastSave = now
		_ = s.tracker.Save() // only an aid to the next reader
	}
	return nil
}

// Save writes the summary cache now (a server shutting down).
func (s *Source) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracker.Save()
}

// Info is what the last Refresh read.
func (s *Source) Info() stats.UpdateInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracker.Info()
}

func (s *Source) snapshot() (*stats.Totals, map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totals, s.inProgress
}
