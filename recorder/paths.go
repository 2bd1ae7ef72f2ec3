package recorder

import (
	"path/filepath"
	"strings"
)

// Environment variables ccq reads or sets. They are the one list of names
// shared by ccq-hook and ccq.
const (
	EnvTaskID      = "CCQ_TASK_ID"      // task the run belongs to
	EnvRunID       = "CCQ_RUN_ID"       // id of this run
	EnvLogFile     = "CCQ_LOG_FILE"     // session log of this run
	EnvLogsDir     = "CCQ_LOGS_DIR"     // logs directory (history, logs, state)
	EnvLauncherPID = "CCQ_LAUNCHER_PID" // set by ccq launch: the supervising process
	EnvDebugLog    = "CCQ_DEBUG_LOG"    // file ccq-hook writes its own diagnostics to
	EnvProjectDir  = "CLAUDE_PROJECT_DIR"
	EnvClaudePID   = "CLAUDE_PID"
	EnvSessionID   = "CLAUDE_CODE_SESSION_ID"
	EnvEntrypoint  = "CLAUDE_CODE_ENTRYPOINT"
)

// DefaultLogsSubdir is where the logs live below the project directory.
const DefaultLogsSubdir = "logs/scheduler"

// HistoryName is the history file's name inside the logs directory.
const HistoryName = "history.jsonl"

// LogsDir applies the one rule every ccq binary uses to find the logs
// directory: the flag value if given, then $CCQ_LOGS_DIR, then
// logs/scheduler below the project directory (see ProjectPath).
func LogsDir(flag string, env map[string]string, cwd string) string {
	return ProjectPath(flag, EnvLogsDir, DefaultLogsSubdir, env, cwd)
}

// ProjectPath is the precedence every ccq directory setting follows: the
// flag value if given, then env[envName], then sub below the project
// directory, which is $CLAUDE_PROJECT_DIR when Claude Code set it and the
// working directory cwd otherwise. A relative result is made absolute
// against cwd.
func ProjectPath(flag, envName, sub string, env map[string]string, cwd string) string {
	dir := flag
	if dir == "" {
		dir = env[envName]
	}
	if dir == "" {
		base := env[EnvProjectDir]
		if base == "" {
			base = cwd
		}
		dir = filepath.Join(base, sub)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	return filepath.Clean(dir)
}

// HistoryPath is the history file inside logs directory dir.
func HistoryPath(dir string) string { return filepath.Join(dir, HistoryName) }

// RunsDir holds the state of runs in progress.
func RunsDir(dir string) string { return filepath.Join(dir, ".runs") }

// SessionLogPath is where the launcher writes the session log of a run:
// dir/YYYY-MM-DD/{task}-{run_id}.md, the date being the run's UTC start day.
func SessionLogPath(dir, day, task, runID string) string {
	return filepath.Join(dir, day, SafeName(task)+"-"+SafeName(runID)+".md")
}

// EnvMap turns an os.Environ-style list into a map; later entries win.
func EnvMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

const maxIDLen = 128

// SafeName turns a task or run id into something safe to put in a file name
// and to print on a terminal: letters, digits, '.', '_' and '-' are kept,
// everything else (slashes, spaces, control characters, non-ASCII) becomes
// '_', leading dots are dropped so "../x" cannot climb, and the result is at
// most 128 bytes. An id with nothing left becomes "unnamed".
func SafeName(id string) string {
	var b strings.Builder
	b.Grow(len(id))
	for i := 0; i < len(id) && b.Len() < maxIDLen; i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			b.WriteByte(c)
		case c == '.':
			if b.Len() > 0 {
				b.WriteByte(c)
			}
		default:
			if b.Len() > 0 {
				b.WriteByte('_')
			}
		}
	}
	s := strings.TrimRight(b.String(), "._")
	if s == "" {
		return "unnamed"
	}
	return s
}
