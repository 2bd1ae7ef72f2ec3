package launch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sessionlog"
)

// maxStreamLine bounds one line of the child's output held in memory. A
// stream-json line carries a whole tool result and can be megabytes; a line
// past this bound is noted in the log and otherwise skipped.
const maxStreamLine = 16 << 20

// Snapshot is what the stream has told so far, for the progress display and
// the final record.
type Snapshot struct {
	SessionID string
	Model     string
	Cwd       string // the working directory Claude Code reported
	Version   string // Claude Code's version

	Turns       int    // distinct assistant messages seen
	Tokens      int64  // tokens so far (from message_start usage: a lower bound)
	Tool        string // tool called and not yet answered
	OutputBytes int    // bytes of assistant text, for the token estimate
	Result      *recorder.Result
	ResultText  string // the result's final text
	// StructuredOutput is the result's structured_output (--json-schema),
	// raw JSON; nil when there was none.
	StructuredOutput json.RawMessage
	// Init is the init event as printed (for the fingerprint: version,
	// MCP servers, tools), Models the models that answered, in order.
	Init   []byte
	Models []string
	Lines  int // lines read
	// LastOutput is the last line of output that was not stream-json and
	// says something (stderr, mostly: "API Error: 529 overloaded"),
	// trimmed and cut to maxLastOutput bytes.
	LastOutput string

	// The client's own retries (system/api_retry lines): how many, and of
	// the last one its status, its delay and when ccq read it.
	APIRetries  int
	RetryStatus int
	RetryDelay  time.Duration
	RetryAt     time.Time
	// APIErrorText is the text of the last API-error message (a synthetic
	// assistant turn): "API Error: Request rejected (429) · …".
	APIErrorText string
}

// ClientError is the client's own last error line: the API error message
// it printed, else the text of a result that is an error, else its last
// plain output; "" when it said none. Only the first line is kept.
func (s Snapshot) ClientError() string {
	msg := s.APIErrorText
	if msg == "" && s.Result != nil && s.Result.IsError {
		msg = s.ResultText
	}
	if msg == "" {
		msg = s.LastOutput
	}
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	return clamp.String(msg, 300)
}

// maxInit bounds the init event kept for the fingerprint.
const maxInit = 256 << 10

// maxLastOutput bounds Snapshot.LastOutput, which goes into error_detail.
const maxLastOutput = 200

// Stream turns the child's combined output into the session log and a
// running Snapshot. Lines that are not stream-json (stderr, a crash trace)
// go to the log as they are.
type Stream struct {
	log *sessionlog.Log

	mu       sync.Mutex
	snap     Snapshot
	seen     map[string]bool
	pending  map[string]string // tool_use id -> tool name
	lastTool string
	prevType string // type of the previous stream-json line
	// texts holds a hash of every assistant text, so the result's text is
	// shown in the log only when no message showed it already.
	texts map[uint64]bool

	// active is when the last line arrived (unix ns), for the idle watchdog.
	active atomic.Int64
}

// LastActive is when the stream last gave a line (zero before the first).
func (s *Stream) LastActive() time.Time {
	if ns := s.active.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// NewStream writes to log, which may be nil.
func NewStream(log *sessionlog.Log) *Stream {
	return &Stream{log: log, seen: map[string]bool{}, pending: map[string]string{}, texts: map[uint64]bool{}}
}

// Snapshot returns a copy of the current state.
func (s *Stream) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.snap
	if snap.Result != nil {
		r := *snap.Result
		snap.Result = &r
	}
	return snap
}

// ReadFrom reads r to its end (or first error), line by line.
func (s *Stream) ReadFrom(r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var n int64
	var long []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !tooLong {
				if len(long)+len(chunk) > maxStreamLine {
					tooLong = true
					long = long[:0]
				} else {
					long = append(long, chunk...)
				}
			}
			continue
		case len(long) > 0 || tooLong:
			if tooLong {
				s.log.Note("a line of more than 16 MiB was left out")
			} else {
				s.Line(append(long, chunk...))
			}
			long, tooLong = long[:0], false
		case len(chunk) > 0:
			s.Line(chunk)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
}

// Line handles one line of output.
func (s *Stream) Line(line []byte) {
	line = bytes.TrimRight(line, "\r\n")
	s.active.Store(time.Now().UnixNano())
	s.mu.Lock()
	s.snap.Lines++
	s.mu.Unlock()
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	if line[0] != '{' || !gjson.ValidBytes(line) {
		s.log.Raw(line)
		s.noteOutput(line)
		return
	}
	typ := gjson.GetBytes(line, "type").Str
	defer func() {
		s.mu.Lock()
		s.prevType = typ
		s.mu.Unlock()
	}()
	switch typ {
	case "system":
		s.system(line)
	case "assistant":
		s.assistant(line)
	case "user":
		s.user(line)
	case "result":
		s.result(line)
	default:
		// stream_event, rate-limit and other lines carry nothing for the log.
	}
}

func (s *Stream) system(line []byte) {
	f := gjson.GetManyBytes(line, "subtype", "session_id", "model", "cwd", "claude_code_version", "permissionMode")
	if f[0].Str == "api_retry" {
		r := gjson.GetManyBytes(line, "error_status", "retry_delay_ms", "error")
		s.mu.Lock()
		s.snap.APIRetries++
		s.snap.RetryStatus = int(r[0].Int())
		s.snap.RetryDelay = time.Duration(r[1].Int()) * time.Millisecond
		s.snap.RetryAt = time.Now()
		s.mu.Unlock()
		s.log.Note(fmt.Sprintf("Claude Code retries the API request (%s, status %d) in %v", r[2].Str, r[0].Int(), time.Duration(r[1].Int())*time.Millisecond))
		return
	}
	if f[0].Str != "init" {
		return // hook_started/hook_response and the like
	}
	s.mu.Lock()
	if s.snap.SessionID == "" {
		s.snap.SessionID = f[1].Str
	}
	s.snap.Model, s.snap.Cwd, s.snap.Version = f[2].Str, f[3].Str, f[4].Str
	if len(line) <= maxInit {
		s.snap.Init = append([]byte(nil), line...)
	}
	s.mu.Unlock()
	s.log.Init(f[1].Str, f[2].Str, f[4].Str, f[5].Str)
}

func (s *Stream) assistant(line []byte) {
	msg := gjson.GetBytes(line, "message")
	id := msg.Get("id").Str
	synthetic := msg.Get("model").Str == "<synthetic>" // an API error, not a model turn
	s.mu.Lock()
	// Claude Code repeats a message once per content block, each time with
	// the usage of message_start: count it once, as a lower bound. A
	// message without an id is told apart from the previous one by the
	// lines between them.
	newTurn := !synthetic && (id == "" && s.prevType != "assistant" || id != "" && !s.seen[id])
	if id != "" {
		s.seen[id] = true
	}
	if m := msg.Get("model").Str; newTurn && m != "" && !slices.Contains(s.snap.Models, m) && len(s.snap.Models) < 8 {
		s.snap.Models = append(s.snap.Models, m)
	}
	if newTurn {
		s.snap.Turns++
		u := msg.Get("usage")
		s.snap.Tokens += u.Get("input_tokens").Int() + u.Get("output_tokens").Int() +
			u.Get("cache_creation_input_tokens").Int() + u.Get("cache_read_input_tokens").Int()
	}
	s.mu.Unlock()
	apiError := gjson.GetBytes(line, "error").Str
	msg.Get("content").ForEach(func(_, c gjson.Result) bool {
		switch c.Get("type").Str {
		case "text":
			text := c.Get("text").Str
			s.mu.Lock()
			s.snap.OutputBytes += len(text)
			s.texts[textHash(text)] = true
			s.mu.Unlock()
			if apiError != "" || synthetic {
				s.mu.Lock()
				s.snap.APIErrorText = text
				s.mu.Unlock()
				s.log.APIError(text)
			} else {
				s.log.Text(text)
			}
		case "thinking":
			// Not shown: thinking can be long and is not the answer.
		case "tool_use":
			name, tid := c.Get("name").Str, c.Get("id").Str
			s.mu.Lock()
			s.pending[tid] = name
			s.snap.Tool = name
			s.mu.Unlock()
			s.log.ToolUse(name, c.Get("input"))
		}
		return true
	})
}

func (s *Stream) user(line []byte) {
	content := gjson.GetBytes(line, "message.content")
	if !content.IsArray() {
		return
	}
	content.ForEach(func(_, c gjson.Result) bool {
		switch c.Get("type").Str {
		case "tool_result":
			tid := c.Get("tool_use_id").Str
			s.mu.Lock()
			name := s.pending[tid]
			delete(s.pending, tid)
			s.snap.Tool = ""
			for _, n := range s.pending {
				s.snap.Tool = n
				break
			}
			s.mu.Unlock()
			s.log.ToolResult(name, sessionlog.ToolResultText(c.Get("content")), c.Get("is_error").Bool())
		case "text":
			// "[Request interrupted by user]" and similar notes.
			if t := c.Get("text").Str; t != "" {
				s.log.Note(t)
			}
		}
		return true
	})
}

func (s *Stream) result(line []byte) {
	f := gjson.GetManyBytes(line, "subtype", "is_error", "terminal_reason", "api_error_status",
		"usage", "total_cost_usd", "num_turns", "session_id", "result", "structured_output", "api_error")
	r := &recorder.Result{
		Subtype:        f[0].Str,
		IsError:        f[1].Bool(),
		TerminalReason: f[2].Str,
		APIErrorStatus: int(f[3].Int()),
		NumTurns:       int(f[6].Int()),
		SessionID:      f[7].Str,
		APIError:       f[10].Str,
		Text:           f[8].Str,
	}
	if u := f[4]; u.IsObject() {
		r.Usage = &recorder.Usage{
			Input:         u.Get("input_tokens").Int(),
			Output:        u.Get("output_tokens").Int(),
			CacheCreation: u.Get("cache_creation_input_tokens").Int(),
			CacheRead:     u.Get("cache_read_input_tokens").Int(),
		}
	}
	if f[5].Type == gjson.Number {
		c := f[5].Float()
		r.CostUSD = &c
	}
	s.mu.Lock()
	r.Model = s.snap.Model
	s.snap.Result = r
	s.snap.ResultText = f[8].Str
	s.snap.StructuredOutput = structuredOutput(f[9].Raw)
	if s.snap.SessionID == "" {
		s.snap.SessionID = r.SessionID
	}
	if r.Usage != nil {
		s.snap.Tokens = r.Usage.Total()
	}
	s.snap.Tool = ""
	text := f[8].Str
	if s.texts[textHash(text)] {
		text = "" // the last message said it; the log has it
	}
	s.mu.Unlock()
	s.log.Result(r, text, gjson.GetBytes(line, "errors"))
}

func textHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSpace(s)))
	return h.Sum64()
}

// noteOutput keeps line as LastOutput if it says something: letters or
// digits, not just a frame of dashes or a blank.
func (s *Stream) noteOutput(line []byte) {
	text := strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, string(bytes.ToValidUTF8(line, []byte("\uFFFD")))))
	if strings.IndexFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return
	}
	if len(text) > maxLastOutput {
		cut := maxLastOutput
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	s.mu.Lock()
	s.snap.LastOutput = text
	s.mu.Unlock()
}
