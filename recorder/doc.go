// Package recorder keeps ccq's record of Claude Code runs: the append-only
// history file, the per-run state that hooks and the launcher share, the
// exact token count read from Claude Code's transcripts, and the rules that
// turn all the evidence about a run into one honest outcome.
//
// Layout of the logs directory (see LogsDir for where it is):
//
//	history.jsonl                    one JSON object per finished run
//	YYYY-MM-DD/{task}-{run_id}.md    session logs written by the launcher
//	.runs/{run_id}.jsonl             events of runs still in progress
//
// Every file is created 0600 and every directory 0700: session output can
// hold secrets.
package recorder
