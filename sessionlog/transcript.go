package sessionlog

import (
	"bytes"
	"strings"

	"github.com/tidwall/gjson"
)

// Transcript renders a run's session from the lines of Claude Code's
// transcript, for a run no launcher watched (ccq-hook at SessionEnd). The
// result has the sections of a launcher's log: the header, then assistant
// text, tool calls and their trimmed results, in order; the caller adds
// the closing block (Footer) once the run's line is built.
//
// Claude Code writes one assistant line per content block, each with the
// same message.id; a tool's result comes back in a user line. Lines are fed
// one at a time and nothing but the pending tool names is kept, so memory
// does not grow with the transcript.
//
// The header needs the prompt, which the transcript gives only in its
// first user line, so the log is opened (through Open) when the first line
// worth showing comes, or at Finish.
type Transcript struct {
	// Open creates the log and writes its header from what the transcript
	// said so far. It is called at most once; a nil *Log discards.
	Open func(Meta) *Log

	log     *Log
	opened  bool
	meta    Meta
	pending map[string]string // tool_use id -> tool name
}

// Meta is what the transcript tells about the session before its first
// answer.
type Meta struct {
	Prompt         string
	SessionID      string
	Version        string // Claude Code's
	PermissionMode string
	Cwd            string
}

// Line takes one transcript line whose top-level "type" is typ (as
// recorder.ReadSessionFunc passes them); its trailing newline may be there.
func (t *Transcript) Line(typ string, line []byte) {
	switch typ {
	case "assistant":
		t.assistant(line)
	case "user":
		t.user(line)
	}
}

// Log returns the log, opening it if no line did yet.
func (t *Transcript) Log() *Log {
	if !t.opened {
		t.opened = true
		if t.Open != nil {
			t.log = t.Open(t.meta)
			t.log.Init(t.meta.SessionID, "", t.meta.Version, t.meta.PermissionMode)
		}
	}
	return t.log
}

func (t *Transcript) assistant(line []byte) {
	var content, model gjson.Result
	apiError, side := false, false
	// One pass over the top-level keys: GetManyBytes would scan the line
	// once per path.
	gjson.ParseBytes(line).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "message":
			content, model = v.Get("content"), v.Get("model")
		case "isApiErrorMessage":
			apiError = apiError || v.Bool()
		case "error":
			apiError = apiError || v.Str != ""
		case "isSidechain":
			side = v.Bool()
		}
		return true
	})
	if side {
		return
	}
	apiError = apiError || model.Str == "<synthetic>"
	content.ForEach(func(_, c gjson.Result) bool {
		switch c.Get("type").Str {
		case "text":
			if apiError {
				t.Log().APIError(c.Get("text").Str)
			} else {
				t.Log().Text(c.Get("text").Str)
			}
		case "tool_use":
			if t.pending == nil {
				t.pending = map[string]string{}
			}
			name := c.Get("name").Str
			t.pending[c.Get("id").Str] = name
			t.Log().ToolUse(name, c.Get("input"))
		}
		// thinking is not shown, as in the launcher's log.
		return true
	})
}

func (t *Transcript) user(line []byte) {
	var content gjson.Result
	var meta Meta
	skip := false
	gjson.ParseBytes(line).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "message":
			content = v.Get("content")
		case "isMeta", "isSidechain", "isCompactSummary":
			skip = skip || v.Bool()
		case "sessionId":
			meta.SessionID = v.Str
		case "version":
			meta.Version = v.Str
		case "permissionMode":
			meta.PermissionMode = v.Str
		case "cwd":
			meta.Cwd = v.Str
		}
		return true
	})
	if skip {
		return
	}
	if !t.opened && t.meta.Prompt == "" {
		if p := promptText(content); p != "" {
			meta.Prompt = p
			t.meta = meta
			return
		}
	}
	if content.Type == gjson.String {
		// A later prompt of the same session (a queued message).
		if s := strings.TrimSpace(content.Str); s != "" {
			t.Log().Note("Prompt: " + trimText(s, 1, 400))
		}
		return
	}
	content.ForEach(func(_, c gjson.Result) bool {
		switch c.Get("type").Str {
		case "tool_result":
			tid := c.Get("tool_use_id").Str
			name := t.pending[tid]
			delete(t.pending, tid)
			t.Log().ToolResult(name, ToolResultText(c.Get("content")), c.Get("is_error").Bool())
		case "text":
			// "[Request interrupted by user]" and similar notes.
			if s := c.Get("text").Str; s != "" {
				t.Log().Note(s)
			}
		}
		return true
	})
}

// promptText is the text of a user message that is a prompt: a string, or
// text blocks with no tool result among them.
func promptText(content gjson.Result) string {
	if content.Type == gjson.String {
		return content.Str
	}
	var b strings.Builder
	prompt := true
	content.ForEach(func(_, c gjson.Result) bool {
		switch c.Get("type").Str {
		case "text":
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(c.Get("text").Str)
		case "tool_result":
			prompt = false
			return false
		}
		return true
	})
	if !prompt {
		return ""
	}
	return b.String()
}

// ToolResultText flattens a tool result's content: a string, or a list of
// blocks of which the text ones are kept.
func ToolResultText(c gjson.Result) string {
	if c.Type == gjson.String {
		return c.Str
	}
	var b bytes.Buffer
	c.ForEach(func(_, blk gjson.Result) bool {
		switch blk.Get("type").Str {
		case "text":
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(blk.Get("text").Str)
		case "image":
			b.WriteString("[image]")
		}
		return true
	})
	return b.String()
}
