package ping

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// maxSummary caps the summary, so that a long error detail cannot crowd
// out the log (history lines cap error_detail at 1 KiB already).
const maxSummary = 4096

// body is the summary of e, then note (if any), then as much of the end
// of the session log as fits in the body limit.
func (p *Pinger) body(run launch.RunInfo, e recorder.Entry, note string) []byte {
	limit := p.bodyLimit()
	summary := clamp.String(Summary(run, e, p.cfg.Host, note), min(maxSummary, limit))
	logPath := e.LogFile
	if logPath == "" {
		logPath = run.LogFile
	}
	if p.cfg.NoLogTail || logPath == "" {
		return []byte(summary)
	}
	const head = "\n--- end of the session log ---\n"
	room := limit - len(summary) - len(head)
	if room <= 0 {
		return []byte(summary)
	}
	tail, err := Tail(logPath, room)
	if err != nil {
		// The log is a convenience; its absence is worth a line, not a
		// failed ping. The error names only the path the summary shows.
		line := clamp.String(fmt.Sprintf("\n(session log not read: %v)\n", err), room+len(head))
		return []byte(summary + line)
	}
	if tail == "" {
		return []byte(summary)
	}
	return []byte(summary + head + tail)
}

// Summary is the text that heads a finished run's ping: one headline, then
// one "key: value" line per known fact. note, if not empty, is added as
// its own line.
func Summary(run launch.RunInfo, e recorder.Entry, host, note string) string {
	var b strings.Builder
	task := e.TaskID
	if task == "" {
		task = run.Task
	}
	outcome := "succeeded"
	if !e.Success {
		outcome = "failed"
		if e.ErrorType != recorder.ErrNone {
			outcome += " (" + string(e.ErrorType) + ")"
		}
	}
	fmt.Fprintf(&b, "ccq: %s %s on %s\n", label(task, runID(run, e)), outcome, host)
	if note != "" {
		fmt.Fprintf(&b, "note: %s\n", note)
	}
	if e.ErrorDetail != "" {
		fmt.Fprintf(&b, "error: %s\n", e.ErrorDetail)
	}
	if e.ExitCode != nil {
		fmt.Fprintf(&b, "exit code: %d\n", *e.ExitCode)
	}
	if a, ok := e.Extra["attempt"]; ok {
		fmt.Fprintf(&b, "attempt: %v\n", a)
	}
	if e.Timestamp != "" {
		fmt.Fprintf(&b, "start: %s\n", e.Timestamp)
	}
	fmt.Fprintf(&b, "duration: %.3fs\n", e.DurationS)
	fmt.Fprintf(&b, "tokens: %d", e.Tokens)
	if e.TokensSource != "" {
		fmt.Fprintf(&b, " (%s)", e.TokensSource)
	}
	b.WriteString("\n")
	if e.CostUSD != nil {
		fmt.Fprintf(&b, "cost: $%.4f\n", *e.CostUSD)
	}
	if e.Model != "" {
		fmt.Fprintf(&b, "model: %s\n", e.Model)
	}
	logPath := e.LogFile
	if logPath == "" {
		logPath = run.LogFile
	}
	if logPath != "" {
		fmt.Fprintf(&b, "log: %s\n", logPath)
	}
	return b.String()
}

// Tail returns at most n bytes from the end of the file at path, as valid
// UTF-8: a character cut by the start is dropped, and so is the partial
// line before the first newline when the file was cut (unless that would
// leave nothing). Invalid bytes become "?", which never makes it longer.
// Only regular files are read, and only their last n bytes.
func Tail(path string, n int) (string, error) {
	if n <= 0 {
		return "", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", path)
	}
	size := fi.Size()
	off := max(size-int64(n), 0)
	buf := make([]byte, size-off)
	m, err := f.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return "", err
	}
	buf = buf[:m] // the file may have shrunk since Stat
	if off > 0 {
		i := 0
		for i < len(buf) && i < utf8.UTFMax && !utf8.RuneStart(buf[i]) {
			i++
		}
		buf = buf[i:]
		if nl := strings.IndexByte(string(buf), '\n'); nl >= 0 && nl+1 < len(buf) {
			buf = buf[nl+1:]
		}
	}
	return strings.ToValidUTF8(string(buf), "?"), nil
}
