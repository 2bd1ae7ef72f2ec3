// Package metrics exposes the history to Prometheus: per-task runs by
// outcome, tokens, cost, a run-duration histogram, the last run and the
// last success, runs in progress, and the history lines that could not be
// read.
//
// It is a view of the history (see package stats): a Source keeps a
// stats.Tracker up to date, reading only the lines appended since it last
// looked, and the collectors (collectors.go, one per concern, as
// node_exporter's textfile collector and supercronic's prommetrics do it)
// describe their families once and emit them in Collect from the Source's
// current totals. NewRegistry puts them in a registry of their own, so an
// exposition holds only ccq's families. Three ways out: Write (the text
// exposition, for `ccq metrics`), WriteTextfile (node_exporter's textfile
// collector) and Handler (for `ccq metrics serve`).
//
// Every family is labelled by task only: a run id would make a new series
// per run. The counters are totals over the history file as it is, so a
// history pruned by retention makes them go down, which Prometheus reads
// as a counter reset.
package metrics
