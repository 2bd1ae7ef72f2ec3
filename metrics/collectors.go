package metrics

import (
	"slices"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes, the values of ccq_runs_total's outcome label: the categories
// recorder.Categorize decides, so a line counts here as it does in every
// other output. A failed run whose error_type is missing or not one the
// recorder writes counts as other.
const (
	OutcomeSuccess   = string(recorder.CategorySuccess)
	OutcomeTimeout   = string(recorder.CategoryTimeout)
	OutcomeExitError = string(recorder.CategoryExitError)
	OutcomeException = string(recorder.CategoryException)
	OutcomeOther     = string(recorder.CategoryOther)
)

// Outcomes lists every outcome; each task has a series for each, zeros
// included, so rates and ratios need no absent().
var Outcomes = []string{OutcomeSuccess, OutcomeTimeout, OutcomeExitError, OutcomeException, OutcomeOther}

const ns = "ccq"

// sender returns what Collect hands its metrics to: a metric that cannot
// be made (a label value that is not valid UTF-8) is left out, never a
// panic that costs every other series. The history's reader already hands
// over valid UTF-8 (stats.ParseLine); this is the second wall.
func sender(ch chan<- prometheus.Metric) func(prometheus.Metric, error) {
	return func(m prometheus.Metric, err error) {
		if err == nil {
			ch <- m
		}
	}
}

// runsCollector: what the history says about each task's runs.
type runsCollector struct {
	src                          *Source
	runs, tokens, cost, duration *prometheus.Desc
	lastRun, lastSuccess, lastOK *prometheus.Desc
	bounds                       []float64
}

func newRunsCollector(src *Source) *runsCollector {
	task := []string{"task"}
	return &runsCollector{
		src: src,
		runs: prometheus.NewDesc(ns+"_runs_total",
			"Runs recorded in the history, by task and outcome (success, timeout, exit_error, exception, other).",
			[]string{"task", "outcome"}, nil),
		tokens: prometheus.NewDesc(ns+"_tokens_total",
			"Tokens used by the task's runs (input, output and cache tokens, as the history records them).", task, nil),
		cost: prometheus.NewDesc(ns+"_cost_usd_total",
			"Cost in US dollars of the task's runs that reported one.", task, nil),
		duration: prometheus.NewDesc(ns+"_run_duration_seconds",
			"Wall-clock duration of the task's runs that recorded one.", task, nil),
		lastRun: prometheus.NewDesc(ns+"_last_run_timestamp_seconds",
			"Start time (unix seconds) of the task's latest run.", task, nil),
		lastSuccess: prometheus.NewDesc(ns+"_last_success_timestamp_seconds",
			"Start time (unix seconds) of the task's latest successful run; absent when none succeeded.", task, nil),
		lastOK: prometheus.NewDesc(ns+"_last_run_success",
			"1 when the task's latest run succeeded, 0 when it failed.", task, nil),
		bounds: stats.DurationBuckets(),
	}
}

func (c *runsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.runs, c.tokens, c.cost, c.duration, c.lastRun, c.lastSuccess, c.lastOK} {
		ch <- d
	}
}

func (c *runsCollector) Collect(ch chan<- prometheus.Metric) {
	send := sender(ch)
	tot, _ := c.src.snapshot()
	for _, t := range tot.Tasks {
		byOutcome := map[string]int64{OutcomeSuccess: t.Successes}
		for typ, n := range t.Failures {
			byOutcome[string(recorder.Categorize(false, typ))] += n
		}
		for _, o := range Outcomes {
			send(prometheus.NewConstMetric(c.runs, prometheus.CounterValue, float64(byOutcome[o]), t.Task, o))
		}
		send(prometheus.NewConstMetric(c.tokens, prometheus.CounterValue, float64(t.Tokens), t.Task))
		if t.RunsWithCost > 0 {
			send(prometheus.NewConstMetric(c.cost, prometheus.CounterValue, t.CostUSD, t.Task))
		}
		buckets := make(map[float64]uint64, len(c.bounds))
		var cum int64
		for i, le := range c.bounds {
			cum += t.DurationBuckets[i]
			buckets[le] = uint64(cum)
		}
		send(prometheus.NewConstHistogram(c.duration, uint64(t.DurationRuns), float64(t.DurationSumMs)/1000, buckets, t.Task))
		if t.LastRunMs != 0 {
			send(prometheus.NewConstMetric(c.lastRun, prometheus.GaugeValue, float64(t.LastRunMs)/1000, t.Task))
			ok := 0.0
			if t.LastRunSuccess {
				ok = 1
			}
			send(prometheus.NewConstMetric(c.lastOK, prometheus.GaugeValue, ok, t.Task))
		}
		if t.LastSuccessMs != 0 {
			send(prometheus.NewConstMetric(c.lastSuccess, prometheus.GaugeValue, float64(t.LastSuccessMs)/1000, t.Task))
		}
	}
}

// readerCollector: how well the history could be read.
type readerCollector struct {
	src        *Source
	unreadable *prometheus.Desc
}

func newReaderCollector(src *Source) *readerCollector {
	return &readerCollector{src: src, unreadable: prometheus.NewDesc(ns+"_history_unreadable_lines_total",
		"History lines that could not be read (malformed, torn by a crash, or over 1 MiB) and were skipped.", nil, nil)}
}

func (c *readerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.unreadable }

func (c *readerCollector) Collect(ch chan<- prometheus.Metric) {
	send := sender(ch)
	tot, _ := c.src.snapshot()
	send(prometheus.NewConstMetric(c.unreadable, prometheus.CounterValue, float64(tot.Skipped)))
}

// inProgressCollector: runs started and not finished.
type inProgressCollector struct {
	src        *Source
	inProgress *prometheus.Desc
}

func newInProgressCollector(src *Source) *inProgressCollector {
	return &inProgressCollector{src: src, inProgress: prometheus.NewDesc(ns+"_runs_in_progress",
		"Runs of the task started and not finished (their launcher or claude process is alive).", []string{"task"}, nil)}
}

func (c *inProgressCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.inProgress }

func (c *inProgressCollector) Collect(ch chan<- prometheus.Metric) {
	send := sender(ch)
	tot, running := c.src.snapshot()
	// Every task known, 0 when idle, so the series do not come and go.
	n := make(map[string]int, len(tot.Tasks)+len(running))
	for _, t := range tot.Tasks {
		n[t.Task] = 0
	}
	for task, k := range running {
		n[task] = k
	}
	tasks := make([]string, 0, len(n))
	for task := range n {
		tasks = append(tasks, task)
	}
	slices.Sort(tasks)
	for _, task := range tasks {
		send(prometheus.NewConstMetric(c.inProgress, prometheus.GaugeValue, float64(n[task]), task))
	}
}

// NewRegistry is a registry of ccq's collectors over src, and nothing else.
func NewRegistry(src *Source) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newRunsCollector(src), newReaderCollector(src), newInProgressCollector(src), newScheduleCollector(src))
	return reg
}
