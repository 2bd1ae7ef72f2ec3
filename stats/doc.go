// Package stats answers "how are my scheduled runs doing?" from ccq's
// history file: per-task and overall run counts, success rate, tokens per
// successful run, cost, failure patterns, durations (mean, p50, p95, last)
// and their trend per day or week with a slower/faster/flat verdict.
//
// It is built in layers, each usable without the ones above it:
//
//   - Reading: Scan (scan.go) streams the file and hands each well-formed
//     line, as a Record (record.go), to a Sink per goroutine.
//   - Aggregation: statsSink (agg.go) keeps per-task sums, failures and
//     durations (hist.go) per trend period (trend.go); Latest and Find
//     (runs.go) are other sinks, for `ccq runs` and `ccq show`. Attempts
//     of a run retried by ccq launch are grouped into scheduled runs
//     (series.go) as they are aggregated, in a bounded map of the series
//     still open; CountSkips (skips.go) reads the skipped launches.
//   - The model: Compute (report.go) merges the sinks into a Report —
//     per-task TaskStats with percentiles, periods and a Trend verdict. It
//     is plain data and the --json shape; nothing in it knows about output.
//   - Views: WriteTable (render.go) for people, WriteJSON and WriteCSV
//     (export.go) for machines, Check (check.go) for thresholds.
//
// Incremental reading: a Tracker (tracker.go) keeps a summary
// (summary.go) of the file up to its last newline — Compute's aggregates
// with trend cells kept per day and week instead of per grid period — and
// a summary cache file (cache.go, Options.Cache) lets the next process
// read only the lines appended since. Totals, the running figures package
// metrics exposes, come from the same summary. A short `ccq stats` does not
// even build the summary (cachereport.go): it merges the cache file's
// cells into the Report as it reads them, since in a fresh process every
// page of memory first touched costs a page fault.
//
// A new reader of the history that is not a table — Prometheus metrics, an
// HTML report — is another view: it takes a *Report from Compute (or, for
// something Report does not hold, its own Sink over Scan), sits beside
// export.go or in a package of its own, and needs none of the table code.
//
// The reader streams the file in 1 MB chunks, cut into 4 MB segments on
// line boundaries and spread over GOMAXPROCS goroutines, so memory stays
// at a few MB per goroutine whatever the file's size; a line may be up to
// MaxLine (1 MiB) long. Each line goes through a hand-written fast path
// (fastpath.go) that relies on the key order recorder.Entry writes and
// validates as gjson does; any other line (keys reordered, whitespace,
// escapes, foreign writers) falls back to gjson. Malformed and torn lines,
// and lines with numbers no run can have, are counted and skipped.
//
// Durations are exact while a task has at most 4096 runs (128 per trend
// period) and otherwise kept in a log-linear histogram whose quantiles are
// within 1.6% (see hist.go), so aggregation memory is bounded by tasks ×
// trend periods, not by the number of lines. Sums of tokens and durations
// saturate at math.MaxInt64 instead of wrapping.
package stats
