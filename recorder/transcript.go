package recorder

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
	// End says where the main thread stood when the transcript ends; see the
	// End* constants.
	End       string `json:"end,omitempty"`
	Subagents int    `json:"subagents,omitempty"` // subagent transcripts read
	Files     int    `json:"files"`               // transcript files read
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
	var t Transcript
	if err := readTranscript(transcriptPath, off[transcriptPath], &t, true); err != nil {
		return t, err
	}
	for _, p := range subagentFiles(transcriptPath) {
		var s Transcript
		if err := readTranscript(p, off[p], &s, false); err == nil && s.Messages > 0 {
			t.Usage = t.Usage.Add(s.Usage)
			t.Messages += s.Messages
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
)

// readTranscript streams one transcript file. Lines before offset only
// contribute the cost already spent (cost-state totals are cumulative over a
// resumed session); lines after it are this run's.
func readTranscript(path string, offset int64, t *Transcript, main bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	t.Files++
	if offset > st.Size() {
		offset = 0 // the file was replaced; count it all
	}

	br := bufio.NewReaderSize(f, 1<<20)
	var (
		pos                   int64
		seen                  = map[string]Usage{}
		order                 []string
		costBefore, costAfter float64
		haveBefore, haveAfter bool
		lastStop              string
		end                   = EndNone
		long                  []byte
	)
	for {
		line, err := br.ReadSlice('\n')
		n := int64(len(line))
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: assemble it up to the bound, drop it past that.
			long = append(long[:0], line...)
			tooLong := false
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				n += int64(len(line))
				if !tooLong && len(long)+len(line) <= maxTranscriptLine {
					long = append(long, line...)
				} else {
					tooLong = true
				}
			}
			line = long
			if tooLong {
				line = nil
			}
		}
		lineStart := pos
		pos += n
		if len(line) > 0 {
			mine := lineStart >= offset
			switch {
			case bytes.Contains(line, patCost):
				if gjson.GetBytes(line, "type").Str == "cost-state" {
					c := gjson.GetBytes(line, "totalCostUSD")
					if c.Exists() {
						if mine {
							costAfter, haveAfter = c.Float(), true
						} else {
							costBefore, haveBefore = c.Float(), true
						}
					}
				}
			case !mine:
			case bytes.Contains(line, patAssistant):
				r := gjson.GetManyBytes(line, "type", "message.id", "message.usage", "message.model",
					"message.stop_reason", "isApiErrorMessage", "error", "apiErrorStatus")
				if r[0].Str != "assistant" {
					break
				}
				if r[5].Bool() {
					t.APIError = r[6].Str
					if t.APIError == "" {
						t.APIError = "api_error"
					}
					t.APIErrorStatus = int(r[7].Int())
					end = EndAnswered
					lastStop = ""
					break
				}
				if id := r[1].Str; id != "" && r[2].Exists() {
					u := r[2]
					if _, ok := seen[id]; !ok {
						order = append(order, id)
					}
					seen[id] = Usage{
						Input:         u.Get("input_tokens").Int(),
						Output:        u.Get("output_tokens").Int(),
						CacheCreation: u.Get("cache_creation_input_tokens").Int(),
						CacheRead:     u.Get("cache_read_input_tokens").Int(),
					}
				}
				if m := r[3].Str; m != "" && m != "<synthetic>" {
					t.Model = m
				}
				lastStop = r[4].Str
				if lastStop == "tool_use" {
					end = EndToolRunning
				} else {
					end = EndAnswered
				}
			case bytes.Contains(line, patRequest):
				if gjson.GetBytes(line, "type").Str == "api-request" {
					end = EndInFlight
				}
			case end == EndToolRunning && bytes.Contains(line, patUser) && bytes.Contains(line, patToolRes):
				if gjson.GetBytes(line, "type").Str == "user" {
					end = EndToolDone
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	for _, id := range order {
		t.Usage = t.Usage.Add(seen[id])
	}
	t.Messages += len(order)
	if main {
		t.End = end
		if haveAfter {
			c := costAfter
			if haveBefore {
				c -= costBefore
			}
			if c < 0 {
				c = 0
			}
			t.CostUSD = &c
		}
	}
	return nil
}
