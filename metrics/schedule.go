package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TaskSchedule is what the schedule watch says about one scheduled task
// at a scrape (package schedule computes it; cmd/ccq wires it in).
type TaskSchedule struct {
	Task   string
	Next   time.Time     // next due slot
	Grace  time.Duration // how late a run may start
	Missed int           // slots no run started in, within the watch window
}

// ScheduleWatch computes the scheduled tasks' state at now.
type ScheduleWatch func(now time.Time) ([]TaskSchedule, error)

// WatchSchedules adds the schedule metrics, computed by w at each
// collection.
func (s *Source) WatchSchedules(w ScheduleWatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedules = w
}

// scheduleCollector: per scheduled task, when the next run is due and how
// many slots passed with no run. The last run's time is
// ccq_last_run_timestamp_seconds.
type scheduleCollector struct {
	src                            *Source
	next, grace, missed, watchFail *prometheus.Desc
}

func newScheduleCollector(src *Source) *scheduleCollector {
	task := []string{"task"}
	return &scheduleCollector{
		src: src,
		next: prometheus.NewDesc(ns+"_schedule_next_due_timestamp_seconds",
			"When the scheduled task's next run is due (unix seconds). Past it plus the grace with no new scrape data, a run was missed (a stale textfile).", task, nil),
		grace: prometheus.NewDesc(ns+"_schedule_grace_seconds",
			"How late a run of the scheduled task may start before its slot counts as missed.", task, nil),
		missed: prometheus.NewDesc(ns+"_schedule_missed_slots",
			"Slots of the scheduled task in the last week (at most 100) in which no run started within the grace.", task, nil),
		watchFail: prometheus.NewDesc(ns+"_schedule_watch_error",
			"1 when the schedules could not be computed at this scrape (the tasks or history unreadable).", nil, nil),
	}
}

func (c *scheduleCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.next, c.grace, c.missed, c.watchFail} {
		ch <- d
	}
}

func (c *scheduleCollector) Collect(ch chan<- prometheus.Metric) {
	c.src.mu.Lock()
	w, now := c.src.schedules, c.src.now
	c.src.mu.Unlock()
	if w == nil {
		return
	}
	tasks, err := w(now())
	if err == nil && len(tasks) == 0 {
		return // no scheduled task: no schedule series
	}
	fail := 0.0
	if err != nil {
		fail = 1
	}
	ch <- prometheus.MustNewConstMetric(c.watchFail, prometheus.GaugeValue, fail)
	for _, t := range tasks {
		if !t.Next.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, float64(t.Next.Unix()), t.Task)
		}
		ch <- prometheus.MustNewConstMetric(c.grace, prometheus.GaugeValue, t.Grace.Seconds(), t.Task)
		ch <- prometheus.MustNewConstMetric(c.missed, prometheus.GaugeValue, float64(t.Missed), t.Task)
	}
}
