// Package stats answers "how are my scheduled runs doing?" from ccq's
// history file: per-task and overall run counts, success rate, tokens per
// successful run, cost, failure patterns, durations (mean, p50, p95, last)
// and their trend per day or week with a slower/faster/flat verdict.
//
// The reader (Scan) streams the file in 1 MB chunks, cut into 4 MB
// segments on line boundaries and spread over GOMAXPROCS goroutines, so
// memory stays at a few MB per goroutine whatever the file's size. Each
// line goes through a hand-written fast path that relies on the key order
// recorder.Entry writes and validates as gjson does; any other line (keys
// reordered, whitespace, escapes, foreign writers) falls back to gjson.
// Malformed and torn lines are counted and skipped.
//
// Durations are exact while a task has at most 4096 runs (128 per trend
// period) and otherwise kept in a log-linear histogram whose quantiles are
// within 1.6% (see hist.go), so aggregation memory is bounded by tasks ×
// trend periods, not by the number of lines.
package stats
