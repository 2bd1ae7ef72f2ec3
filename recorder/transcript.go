package recorder

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Transcript is what one run left in Claude Code's session transcript(s).
type Transcript struct {
	Usage    Usage    `json:"usage"`              // exact tokens, de-duplicated by message.id
	Messages int      `json:"messages"`           // distinct assistant messages that carried usage
	Model    string   `json:"model,omitempty"`    // model of the last real assistant message
	CostUSD  *float64 `json:"cost_usd,omitempty"` // this run's cost from the cost-state lines, when written
	// APIError is the error of the last API-error turn ("server_error",
	// "rate_limit", ...) and APIErrorStatus its HTTP status, when there was one.
	APIError       string `json:"api_error,omitempty"`
	APIErrorStatus int    `json:"api_error_status,omitempty"`
	// APIErrorClass and APIErrorText are the last API-error turn's
	// apiError ("connection_failed") and text, for network failures.
	APIErrorClass string `json:"api_error_class,omitempty"`
	APIErrorText  string `json:"api_error_text,omitempty"`
	// End says where the main thread stood when the transcript ends; see the
	// End* constants.
	End       string `json:"end,omitempty"`
	Subagents int    `json:"subagents,omitempty"` // subagent transcripts read
	Files     int    `json:"files"`               // transcript files read
	// First is the timestamp of the run's first line in the main
	// transcript: its start, for a run whose SessionStart never fired.
	First time.Time `json:"first,omitzero"`
	// ResetAt is when the client said its rate or usage limit resets: a
	// system/api_error line's error.rateLimits.resetsAt (or its retryInMs),
	// or the reset time a usage-limit message names (ParseResetTime).
	ResetAt time.Time `json:"reset_at,omitzero"`
}

// Where a transcript's main thread stood at its end.
const (
	EndNone        = ""             // no request was made
	EndAnswered    = "answered"     // the last request was answered and not with a tool call
	EndInFlight    = "in_flight"    // a request was sent and never answered: the run was cut off
	EndToolRunning = "tool_running" // the model asked for a tool and no result came back
	EndToolDone    = "tool_done"    // a tool result came back and no further request was sent: turns ran out
)

// Offsets says where this run's part of each transcript starts. A resumed
// session appends to the transcript of the session it resumes; only what
// comes after the offset belongs to this run. Keys are file paths; a missing
// key means offset 0.
type Offsets map[string]int64

// SessionOffsets records the current size of the main transcript and of
// every subagent transcript of the session, for a run that starts now.
func SessionOffsets(transcriptPath string) Offsets {
	off := Offsets{}
	if st, err := os.Stat(transcriptPath); err == nil && st.Mode().IsRegular() {
		off[transcriptPath] = st.Size()
	}
	for _, p := range subagentFiles(transcriptPath) {
		if st, err := os.Stat(p); err == nil {
			off[p] = st.Size()
		}
	}
	if len(off) == 0 {
		return nil
	}
	return off
}

// subagentFiles lists <dir>/<session>/subagents/*.jsonl for a transcript
// <dir>/<session>.jsonl, where Claude Code keeps subagent transcripts.
func subagentFiles(transcriptPath string) []string {
	base := strings.TrimSuffix(transcriptPath, ".jsonl")
	if base == transcriptPath {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(base, "subagents", "*.jsonl"))
	sort.Strings(files)
	return files
}

// ReadSession reads the main transcript and every subagent transcript of the
// session, each from its offset, and sums their usage. Errors on the main
// transcript are returned (the caller falls back to other sources);
// unreadable subagent files are skipped.
func ReadSession(transcriptPath string, off Offsets) (Transcript, error) {
	return ReadSessionFunc(transcriptPath, off, nil)
}

// ReadSessionFunc is ReadSession that also hands visit, in order, each line
// of the main transcript that belongs to this run (from its offset on) with
// its top-level "type" ("" when it is plainly none a reader wants: an
// attachment), so a caller can render the run in the same pass over a file
// that may be hundreds of megabytes. The line is valid only until visit
// returns. A line longer than the scan's bound is not passed.
func ReadSessionFunc(transcriptPath string, off Offsets, visit func(typ string, line []byte)) (Transcript, error) {
	var walk func(string, []byte) bool
	if visit != nil {
		walk = func(typ string, line []byte) bool { visit(typ, line); return true }
	}
	return ReadSessionPart(transcriptPath, Part{Offsets: off}, walk)
}

// ReadSessionPart is ReadSessionFunc for part p of the session, with a
// visitor that may stop the walk by returning false: the sums then cover
// only what was read.
func ReadSessionPart(transcriptPath string, p Part, visit func(typ string, line []byte) bool) (Transcript, error) {
	var t Transcript
	off := p.Offsets
	sc, err := scanTranscript(transcriptPath, off[transcriptPath], p.Fork, visit)
	if err != nil {
		return t, err
	}
	t.Files = 1
	t.Usage, t.Messages = sc.usage()
	t.Model, t.APIError, t.APIErrorStatus, t.End = sc.model, sc.apiError, sc.apiStatus, sc.end
	t.APIErrorClass, t.APIErrorText = sc.apiClass, sc.apiText
	t.CostUSD = sc.runCost()
	t.First, t.ResetAt = sc.first, sc.resetAt
	for _, p := range subagentFiles(transcriptPath) {
		s, err := scanTranscript(p, off[p], false, nil)
		if err != nil {
			continue
		}
		t.Files++
		if u, n := s.usage(); n > 0 {
			t.Usage = t.Usage.Add(u)
			t.Messages += n
			t.Subagents++
		}
	}
	return t, nil
}

// maxTranscriptLine bounds the memory spent on one transcript line. Claude
// Code writes request shapes and tool output of tens of kilobytes per line;
// a line past this bound is skipped unread.
const maxTranscriptLine = 64 << 20

var (
	patAssistant = []byte(`"type":"assistant"`)
	patRequest   = []byte(`"type":"api-request"`)
	patCost      = []byte(`"type":"cost-state"`)
	patUser      = []byte(`"type":"user"`)
	patToolRes   = []byte(`"tool_result"`)
	patAPIError  = []byte(`"api_error"`)
)

// transcriptScan is what one transcript file says about this run. Lines
// before the run's offset (a resumed session's earlier runs) only give the
// cost already spent: cost-state totals are cumulative over a session.
type transcriptScan struct {
	seen       map[string]Usage // usage by message.id: Claude Code repeats it per content block
	order      []string
	costBefore *float64 // last cost-state total before the offset
	costAfter  *float64 // last cost-state total after it
	model      string
	apiError   string
	apiClass   string
	apiText    string
	apiStatus  int
	end        string

	fork      bool
	fileFirst string    // the file's first timestamp, as written
	first     time.Time // the run's first line's timestamp
	resetAt   time.Time
	// How far the walk got: bytes of the run's part read and in the file,
	// and whether the visitor stopped it.
	read, size int64
	stopped    bool
}

// scanTranscript streams one transcript file from offset; fork: see
// Part.Fork. visit returning false stops the scan.
func scanTranscript(path string, offset int64, fork bool, visit func(typ string, line []byte) bool) (*transcriptScan, error) {
	return scan(path, offset, fork, visit, true)
}

// scan is scanTranscript; sums false leaves the run's sums (usage, cost,
// end, errors) untaken, for a walk that only hands lines on
// (WalkSession: the SessionEnd hook's second pass, which renders the log
// after the first took the sums).
func scan(path string, offset int64, fork bool, visit func(typ string, line []byte) bool, sums bool) (*transcriptScan, error) {
	f, err := OpenRegular(path) // a FIFO would hang the hook
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if offset > st.Size() {
		offset = 0 // the file was replaced; count it all
	}
	sc := &transcriptScan{seen: map[string]Usage{}, end: EndNone, fork: fork, size: st.Size() - offset}
	lr := lineReader{br: bufio.NewReaderSize(f, 1<<20), max: maxTranscriptLine}
	for {
		line, start, err := lr.next()
		if len(line) > 0 {
			typ := lineType(line)
			mine := start >= offset && sc.own(line, typ)
			if sums {
				sc.line(line, typ, mine)
			}
			if mine {
				sc.read = lr.pos - offset
				if visit != nil && !visit(typ, line) {
					sc.stopped = true
					return sc, nil
				}
			}
		}
		if err == io.EOF {
			sc.read = sc.size
			return sc, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// line takes one transcript line of type typ; mine says whether it belongs
// to this run.
func (sc *transcriptScan) line(line []byte, typ string, mine bool) {
	switch {
	case typ == "cost-state":
		sc.cost(line, mine)
	case !mine:
	case typ == "assistant":
		sc.assistant(line)
	case typ == "api-request":
		sc.end = EndInFlight
	case typ == "user" && sc.end == EndToolRunning && bytes.Contains(line, patToolRes):
		sc.end = EndToolDone
	case typ == "system" && bytes.Contains(line, patAPIError):
		sc.systemError(line)
	}
}

var (
	prefType       = []byte(`{"type":"`)
	prefParent     = []byte(`{"parentUuid":`)
	patAttachment  = []byte(`,"attachment":{`)
	attachmentNear = 200 // bytes: parentUuid and isSidechain come first
)

// lineType is a transcript line's top-level "type", found without reading
// what need not be read. Most of a long transcript's bytes are request
// shapes, whose type is their first key ({"type":"api-request-shape",…}),
// and attachments (prompt snapshots, skill listings), which Claude Code
// writes as {"parentUuid":…,"isSidechain":…,"attachment":{…},"type":…}:
// for those "" is returned without scanning on. Searching every line for
// each pattern cost several full passes over the file.
func lineType(line []byte) string {
	if rest, ok := bytes.CutPrefix(line, prefType); ok {
		if i := bytes.IndexByte(rest, '"'); i >= 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i])
		}
	}
	if bytes.HasPrefix(line, prefParent) {
		head := line[:min(len(line), attachmentNear)]
		// Top level only: no object or array opened before the key.
		if i := bytes.Index(head, patAttachment); i > 0 && bytes.IndexAny(head[1:i], "{[") < 0 {
			return ""
		}
	}
	return gjson.GetBytes(line, "type").Str
}

func (sc *transcriptScan) cost(line []byte, mine bool) {
	r := gjson.GetManyBytes(line, "type", "totalCostUSD")
	if r[0].Str != "cost-state" || !r[1].Exists() {
		return
	}
	c := r[1].Float()
	if mine {
		sc.costAfter = &c
	} else {
		sc.costBefore = &c
	}
}

// usage sums each distinct message once, and counts them.
func (sc *transcriptScan) usage() (Usage, int) {
	var u Usage
	for _, id := range sc.order {
		u = u.Add(sc.seen[id])
	}
	return u, len(sc.order)
}

// runCost is this run's cost: the session's last total minus what was spent
// before the run began. Nil when no cost-state line was written in the run.
func (sc *transcriptScan) runCost() *float64 {
	if sc.costAfter == nil || sc.fork {
		return nil
	}
	c := *sc.costAfter
	if sc.costBefore != nil {
		c -= *sc.costBefore
	}
	c = max(c, 0)
	return &c
}

// lineReader reads lines of any length, keeping at most max bytes of one:
// a longer line is returned empty (skipped) instead of growing memory.
type lineReader struct {
	br   *bufio.Reader
	max  int
	pos  int64 // offset of the next line
	long []byte
}

// next returns the next line (newline included), the offset where it
// started, and io.EOF with the last one.
func (lr *lineReader) next() (line []byte, start int64, err error) {
	start = lr.pos
	line, err = lr.br.ReadSlice('\n')
	lr.pos += int64(len(line))
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, start, err
	}
	lr.long = append(lr.long[:0], line...)
	tooLong := false
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = lr.br.ReadSlice('\n')
		lr.pos += int64(len(line))
		if !tooLong && len(lr.long)+len(line) <= lr.max {
			lr.long = append(lr.long, line...)
		} else {
			tooLong = true
		}
	}
	if tooLong {
		return nil, start, err
	}
	return lr.long, start, err
}
