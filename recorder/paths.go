package recorder

import (
	"hash/fnv"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	return filepath.Join(dir, day, FileName(task)+"-"+FileName(runID)+".md")
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

// MaxIDLen bounds a task or run id, in bytes.
const MaxIDLen = 128

// maxFileName bounds a FileName: MaxIDLen plus "-" and an 8-digit hash.
const maxFileName = MaxIDLen + 9

// CleanID is a task or run id as the history keeps it: as given, in any
// script, but valid UTF-8 (a bad byte becomes U+FFFD), with no control
// characters (each becomes '_', so an id cannot move a terminal's cursor or
// split a line), trimmed of surrounding space and cut to MaxIDLen bytes on a
// character boundary. An id with nothing left is "unnamed".
func CleanID(id string) string {
	var b strings.Builder
	b.Grow(len(id))
	for _, r := range strings.ToValidUTF8(strings.TrimSpace(id), "\uFFFD") {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > MaxIDLen {
			break
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}

// FileName turns a task or run id into a safe file name: letters, digits,
// '.', '_' and '-' are kept, anything else (slashes, spaces, control
// characters, non-ASCII) becomes '_', and leading dots are dropped so "../x"
// cannot climb. When that changed the id, a short hash of the id is added,
// so two ids never share a file ("a/b" and "a_b" stay apart). The result is
// at most maxFileName bytes.
func FileName(id string) string {
	var b strings.Builder
	b.Grow(len(id))
	for i := 0; i < len(id) && b.Len() < maxFileName; i++ {
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
	if s == id && s != "" {
		return s // already safe (this also keeps FileName(FileName(x)) stable)
	}
	if s == "" {
		s = "unnamed"
	}
	if len(s) > MaxIDLen {
		s = strings.TrimRight(s[:MaxIDLen], "._")
	}
	// FNV-1a, not a cryptographic hash: it only keeps two ids apart, and
	// crypto/sha256 would add a quarter megabyte to ccq-hook.
	h := fnv.New32a()
	h.Write([]byte(id))
	return s + "-" + strconv.FormatUint(uint64(h.Sum32())|1<<32, 16)[1:]
}
