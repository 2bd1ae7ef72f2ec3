package launch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/schedule"
	"github.com/ccq-dev/ccq/verify"
)

// EnvTasksDir names the tasks directory when --tasks-dir is not given.
const EnvTasksDir = "CCQ_TASKS_DIR"

// DefaultTasksSubdir is where tasks live below the project directory.
const DefaultTasksSubdir = "tasks"

// TaskExt is the extension of a task file.
const TaskExt = ".md"

// maxTaskFile bounds a task file: it becomes one command-line argument,
// which Linux limits to 128 KiB.
const maxTaskFile = 120 << 10

// Settings are the per-task knobs. A zero value means "not set": the
// launcher's flag, or Claude Code's own default, applies. Each is declared
// in settingTable (settings.go): its front-matter key, flag and merge.
type Settings struct {
	Timeout         time.Duration
	Model           string
	MaxTurns        int
	PermissionMode  string
	AllowedTools    []string
	DisallowedTools []string
	Cwd             string   // working directory of the run
	Args            []string // extra claude arguments, before those after --

	// Scheduling (see schedule.go). Retries is nil when not set.
	Retries       *int
	RetryOn       []string      // retry classes: transient, timeout, idle
	RetryDelay    time.Duration // backoff unit
	RetryMaxDelay time.Duration // cap of one wait
	Deadline      time.Duration // bound of the whole series, waits included
	IdleTimeout   time.Duration // no activity for this long ends the run
	Overlap       string        // skip, wait or allow
	MaxBudgetUSD  float64       // claude --max-budget-usd

	// Sinks, read by cmd/ccq (flag, then front matter, then env).
	PingURL  string
	Notify   []string
	NotifyOn string

	// Schedule (package schedule): when the machine's scheduler runs the
	// task, and how ccq watches it. Nil when the task has none.
	Schedule *schedule.Spec
	Grace    time.Duration // how late a run may start; 0: the schedule's default
	Jitter   time.Duration // systemd RandomizedDelaySec=
	CatchUp  *bool         // run once after a missed slot; nil: true
	// Closing the loop (verify.go): the task's checks, run after claude
	// succeeds, and how many past runs the feedback digest covers.
	Verify   *verify.Spec
	Feedback int
}

// Task is a resolved task file.
type Task struct {
	Name        string // task id: the file name without .md (recorder.CleanID)
	Path        string // absolute path of the file
	Description string // one line for `ccq tasks`
	Prompt      string // the body below the front matter
	PromptLine  int    // line the body starts on
	Settings    Settings
	// KeyLine is the line of each front matter key, for errors found
	// later (a ping URL that does not parse).
	KeyLine map[string]int
}

// TaskError is a problem with a task: the file (and line, when known) is
// part of the message.
type TaskError struct {
	Path string
	Line int
	Msg  string
}

func (e *TaskError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// ErrNoTask is wrapped by the error for a task that does not exist.
var ErrNoTask = errors.New("no such task")

// TasksDir applies the tasks-directory rule: the flag, then $CCQ_TASKS_DIR,
// then tasks/ below the project directory ($CLAUDE_PROJECT_DIR, else cwd).
// A relative result is made absolute against cwd.
func TasksDir(flag string, env map[string]string, cwd string) string {
	return recorder.ProjectPath(flag, EnvTasksDir, DefaultTasksSubdir, env, cwd)
}

// Resolve finds and parses a task. arg is a task name (looked up as
// <tasksDir>/<arg>.md) or, when it holds a slash or ends in .md, a path
// relative to cwd.
func Resolve(arg, tasksDir, cwd string) (*Task, error) {
	if arg == "" {
		return nil, errors.New("no task given")
	}
	var path string
	if strings.ContainsRune(arg, filepath.Separator) || strings.HasSuffix(arg, TaskExt) {
		path = arg
		if !filepath.IsAbs(path) {
			path = filepath.Join(cwd, path)
		}
	} else {
		// Any name a history line can keep as it is (any script, no
		// control characters) names a task; only the session log's file
		// name is made safe.
		if recorder.CleanID(arg) != arg || strings.HasPrefix(arg, ".") {
			return nil, fmt.Errorf("task %q: %w (a task name has no control characters, no surrounding spaces and no leading dot)", arg, ErrNoTask)
		}
		path = filepath.Join(tasksDir, arg+TaskExt)
	}
	path = filepath.Clean(path)
	data, err := readTaskFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("task %q: %w: %s does not exist", arg, ErrNoTask, path)
	}
	if err != nil {
		return nil, err
	}
	return ParseTask(path, data)
}

// readTaskFile reads a task file from one handle, checked to be a regular
// file before anything is read (a FIFO would hang, /dev/zero fill memory)
// and read no further than the limit, so a file swapped after a check
// cannot get past it.
func readTaskFile(path string) ([]byte, error) {
	data, err := recorder.ReadRegular(path, maxTaskFile)
	switch {
	case errors.Is(err, recorder.ErrNotRegular):
		return nil, &TaskError{Path: path, Msg: "not a regular file (FIFOs and devices are refused)"}
	case errors.Is(err, recorder.ErrTooLarge):
		return nil, &TaskError{Path: path, Msg: fmt.Sprintf("task file is more than the %d bytes a prompt argument can hold", maxTaskFile)}
	}
	return data, err
}

// ParseTask parses the content of task file path: an optional YAML front
// matter between two lines holding only "---", then the prompt.
func ParseTask(path string, data []byte) (*Task, error) {
	t := &Task{Path: path, Name: strings.TrimSuffix(filepath.Base(path), TaskExt)}
	t.Name = recorder.CleanID(t.Name) // the task id as the history keeps it
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &TaskError{Path: path, Msg: "not a text file (it holds NUL bytes)"}
	}
	body, bodyLine := data, 1
	lines := splitLines(data)
	if len(lines) > 0 && isFence(lines[0]) {
		end := -1
		for i := 1; i < len(lines); i++ {
			if isFence(lines[i]) {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, &TaskError{Path: path, Line: 1, Msg: "front matter has no closing --- line"}
		}
		var fm []byte
		for _, l := range lines[1:end] {
			fm = append(fm, l...)
		}
		if err := parseFrontMatter(t, fm, 1); err != nil {
			return nil, err
		}
		body = nil
		for _, l := range lines[end+1:] {
			body = append(body, l...)
		}
		bodyLine = end + 2
	}
	// Report the line where the prompt should have been.
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 {
		bodyLine += bytes.Count(body[:len(body)-len(trimmed)], []byte{'\n'})
	}
	t.Prompt = strings.TrimSpace(string(body))
	t.PromptLine = bodyLine
	if t.Prompt == "" {
		return nil, &TaskError{Path: path, Line: bodyLine, Msg: "empty prompt: write the prompt below the front matter"}
	}
	return t, nil
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

func isFence(l []byte) bool {
	return string(bytes.TrimRight(l, " \t\r\n")) == "---"
}
