// Package sessionlog writes a run's session log: the Markdown a person
// reads to see what a headless Claude Code run did. The launcher writes it
// event by event from stream-json; ccq-hook renders it from the transcript
// at SessionEnd (Render). Both produce the same sections.
package sessionlog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/shquote"
	"github.com/ccq-dev/ccq/recorder"
)

// Bounds of what the session log shows of a tool call: the full output is
// in Claude Code's transcript, the log is for reading.
const (
	toolResultLines = 20
	toolResultBytes = 2000
	toolInputBytes  = 400
	promptLogBytes  = 4000
)

// Log writes a run's session log as Markdown while the run goes.
// Every event is one write to the file, so whatever happens to ccq the log
// holds everything up to the last event. A nil *Log discards.
type Log struct {
	mu   sync.Mutex
	w    io.Writer
	bw   *bufio.Writer // set by Buffered
	f    *os.File
	raw  bool // the last thing written was a raw output line
	open bool // the last write did not end with a blank line
	err  error
	path string
}

// Create creates the log file path (0600, its folder 0700) below
// the logs directory logs. A symlink planted where the log or its day
// folder goes is refused, not followed: ccq may run as root in a directory
// others can write to.
func Create(logs, path string) (*Log, error) {
	if err := recorder.MkdirNoFollow(logs, filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := recorder.CreateExclusive(path)
	if err != nil {
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
			err = fmt.Errorf("%s %w", path, recorder.ErrSymlink) // O_EXCL said only "exists"
		}
		return nil, err
	}
	return &Log{w: f, f: f, path: path}, nil
}

// Append opens an existing session log to add to it (the
// guardian's closing block), never through a symlink.
func Append(path string) (*Log, error) {
	if err := refuseLink(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|noFollow, recorder.FileMode)
	if err != nil {
		return nil, err
	}
	return &Log{w: f, f: f, path: path}, nil
}

// New writes the log to w.
func New(w io.Writer) *Log { return &Log{w: w} }

// Buffered makes writes go through a buffer flushed at Close, for a log
// rendered in one go (ccq-hook at SessionEnd) rather than event by event
// while a run goes, where each event must reach the file at once.
func (l *Log) Buffered() *Log {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bw == nil {
		l.bw = bufio.NewWriterSize(l.w, 64<<10)
		l.w = l.bw
	}
	return l
}

// Close closes the file. The first write error, if any, is returned.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bw != nil && l.err == nil {
		l.err = l.bw.Flush()
	}
	if l.f != nil {
		if err := l.f.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.f = nil
	}
	return l.err
}

func (l *Log) write(b []byte, raw bool) {
	if l == nil {
		return
	}
	if !utf8.Valid(b) {
		// The child's bytes, or JSON strings holding them, need not be
		// UTF-8; the log is a Markdown text file.
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if (l.raw && !raw) || (!l.raw && raw && l.open) {
		// A blank line around the indented block of raw output.
		b = append([]byte{'\n'}, b...)
	}
	l.raw = raw
	l.open = !bytes.HasSuffix(b, []byte("\n\n"))
	if l.err != nil {
		return
	}
	if _, err := l.w.Write(b); err != nil {
		l.err = err // keep running: a full disk must not change the run
	}
}

// Header describes the run.
type Header struct {
	TaskName string
	TaskPath string // the task file; "" when the run had none (a hook-recorded run)
	RunID    string
	Start    time.Time
	Command  []string // argv, with the prompt as its own element
	Prompt   string   // the element of Command that is the prompt
	Dir      string
	Timeout  time.Duration
}

// Header writes the title block.
func (l *Log) Header(h Header) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s — run %s\n\n", mdInline(h.TaskName), h.RunID)
	if h.TaskPath != "" {
		fmt.Fprintf(&b, "- **Task:** %s (%s)\n", mdInline(h.TaskName), code(h.TaskPath))
	} else {
		fmt.Fprintf(&b, "- **Task:** %s\n", mdInline(h.TaskName))
	}
	fmt.Fprintf(&b, "- **Run id:** %s\n", code(h.RunID))
	fmt.Fprintf(&b, "- **Started:** %s\n", h.Start.UTC().Format(recorder.TimestampLayout))
	if h.Dir != "" {
		fmt.Fprintf(&b, "- **Working directory:** %s\n", code(h.Dir))
	}
	if h.Timeout > 0 {
		fmt.Fprintf(&b, "- **Timeout:** %s\n", h.Timeout)
	}
	if len(h.Command) > 0 { // a hook-recorded run: ccq never saw the command
		fmt.Fprintf(&b, "- **Command:** %s\n", code(CommandLine(h.Command, h.Prompt)))
	}
	b.WriteString("\n## Prompt\n\n")
	b.WriteString(fenced(trimText(h.Prompt, 200, promptLogBytes), ""))
	b.WriteString("\n## Session\n\n")
	l.write(b.Bytes(), false)
}

// CommandLine renders argv for a shell, with the prompt shown as <prompt>.
func CommandLine(argv []string, prompt string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == prompt && i > 0 && argv[i-1] == "-p" {
			parts[i] = "<prompt>"
			continue
		}
		parts[i] = shquote.Quote(a)
	}
	return strings.Join(parts, " ")
}

// Init notes the session Claude Code started.
func (l *Log) Init(sessionID, model, version, permissionMode string) {
	var parts []string
	if sessionID != "" {
		parts = append(parts, "session "+code(sessionID))
	}
	if model != "" {
		parts = append(parts, "model "+code(model))
	}
	if version != "" {
		parts = append(parts, "Claude Code "+mdInline(version))
	}
	if permissionMode != "" {
		parts = append(parts, "permission mode "+code(permissionMode))
	}
	l.write([]byte("_"+strings.Join(parts, ", ")+"_\n\n"), false)
}

// Text writes assistant text as it is: it is Markdown already.
func (l *Log) Text(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	l.write([]byte("**Assistant:**\n\n"+strings.TrimRight(text, "\n")+"\n\n"), false)
}

// APIError writes the text Claude Code shows for a failed API call.
func (l *Log) APIError(text string) {
	l.write([]byte("> **API error:** "+mdInline(text)+"\n\n"), false)
}

// ToolUse writes a tool call.
func (l *Log) ToolUse(name string, input gjson.Result) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "**Tool call:** %s", code(name))
	if d := input.Get("description").Str; d != "" {
		fmt.Fprintf(&b, " — %s", mdInline(d))
	}
	b.WriteString("\n\n")
	var shown string
	lang := "json"
	switch {
	case input.Get("command").Type == gjson.String:
		shown, lang = input.Get("command").Str, "sh"
	case input.Get("file_path").Type == gjson.String && len(input.Map()) == 1:
		shown, lang = input.Get("file_path").Str, ""
	default:
		shown = input.Raw
	}
	b.WriteString(fenced(trimText(shown, toolResultLines, toolInputBytes), lang))
	b.WriteString("\n")
	l.write(b.Bytes(), false)
}

// ToolResult writes a tool's result, trimmed.
func (l *Log) ToolResult(name, text string, isError bool) {
	var b bytes.Buffer
	label := "Result"
	if isError {
		label = "Error"
	}
	if name != "" {
		label += " of " + code(name)
	}
	fmt.Fprintf(&b, "%s:\n\n", label)
	if strings.TrimSpace(text) == "" {
		b.WriteString("_(no output)_\n\n")
	} else {
		b.WriteString(fenced(trimText(text, toolResultLines, toolResultBytes), ""))
		b.WriteString("\n")
	}
	l.write(b.Bytes(), false)
}

// Note writes a remark in italics.
func (l *Log) Note(text string) {
	l.write([]byte("_"+mdInline(text)+"_\n\n"), false)
}

// Raw writes a line of output that is not stream-json (stderr, mostly) as
// part of an indented code block, in the order it came.
func (l *Log) Raw(line []byte) {
	l.write(append(append([]byte("    "), line...), '\n'), true)
}

// Result writes Claude Code's own result: how it ended, its errors and,
// when no assistant message showed it (pass "" otherwise), its text.
func (l *Log) Result(r *recorder.Result, text string, errs gjson.Result) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "_Claude Code finished: %s", code(r.Subtype))
	if r.TerminalReason != "" {
		fmt.Fprintf(&b, ", %s", code(r.TerminalReason))
	}
	if r.IsError {
		b.WriteString(", is_error")
	}
	if r.APIErrorStatus != 0 {
		fmt.Fprintf(&b, ", API status %d", r.APIErrorStatus)
	}
	b.WriteString("_\n\n")
	errs.ForEach(func(_, e gjson.Result) bool {
		fmt.Fprintf(&b, "- %s\n", mdInline(e.String()))
		return true
	})
	if strings.TrimSpace(text) != "" {
		// A run that ends in an error result may say why nowhere else.
		b.WriteString("\n> **Result:**\n>\n")
		for _, line := range strings.Split(trimText(text, toolResultLines, toolResultBytes), "\n") {
			b.WriteString(strings.TrimRight("> "+line, " ") + "\n")
		}
		b.WriteString("\n")
	}
	l.write(b.Bytes(), false)
}

// Footer is the closing block: the outcome as recorded in the history.
func (l *Log) Footer(e *recorder.Entry, cmdErr string) {
	var b bytes.Buffer
	b.WriteString("## Outcome\n\n| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	outcome := "success"
	if !e.Success {
		outcome = string(e.ErrorType)
		if e.ErrorDetail != "" {
			outcome += " (" + mdCell(e.ErrorDetail) + ")"
		}
	}
	row("outcome", outcome)
	if e.ExitCode != nil {
		row("exit code", strconv.Itoa(*e.ExitCode))
	}
	row("tokens", fmt.Sprintf("%d (%s)", e.Tokens, e.TokensSource))
	if u := e.Usage; u != nil {
		row("usage", fmt.Sprintf("input %d, output %d, cache creation %d, cache read %d", u.Input, u.Output, u.CacheCreation, u.CacheRead))
	}
	if e.CostUSD != nil {
		row("cost", fmt.Sprintf("$%.4f", *e.CostUSD))
	}
	row("duration", fmt.Sprintf("%.3f s", e.DurationS))
	if e.Turns > 0 {
		row("turns", strconv.Itoa(e.Turns))
	}
	if e.Model != "" {
		row("model", code(e.Model))
	}
	if e.SessionID != "" {
		row("session", code(e.SessionID))
	}
	if cmdErr != "" {
		row("note", mdCell(cmdErr))
	}
	l.write(b.Bytes(), false)
}

// Section writes a section of the log's own: a "## title" heading and
// body, Markdown the caller made safe (the launcher's verification and
// feedback digest).
func (l *Log) Section(title, body string) {
	l.write([]byte("## "+mdInline(title)+"\n\n"+strings.TrimRight(body, "\n")+"\n\n"), false)
}
