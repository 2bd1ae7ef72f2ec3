package stats

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

// FuzzRoundTrip holds the writer and the reader to one contract: whatever
// recorder.Entry.Marshal writes — any strings (huge, Unicode, control
// characters, quotes, invalid UTF-8), any numbers — the stats reader
// accepts, on the fast path and through gjson, and reads back the task,
// outcome, tokens, duration and cost the line holds (as encoding/json
// decodes it). A line written without Marshal's clean-up (json.Marshal of
// the raw entry) is accepted or refused by both paths alike, and refused
// exactly when it holds a number no run can have.
func FuzzRoundTrip(f *testing.F) {
	f.Add("nightly", true, "", int64(138062), 230.446, "/l/2026-03-01/n.md", "2026-03-01T19:07:39.727Z", "01jq8v2k3m4n5p6q", "", 0.1234, true)
	f.Add("a\"b\\c\n\x00é☃", false, "exit_error", int64(-1), -0.5, "<&>\u2028", "2026-03-01T19:07:39Z", "r", "rate_limit", -0.01, true)
	f.Add("", false, "timeout", int64(math.MaxInt64), math.Inf(1), "\xff\xfe", "", "", "timeout after 30m0s", math.NaN(), true)
	f.Add("  ../x  ", true, "", int64(0), 1e300, strings.Repeat("p", 5000), "x", strings.Repeat("r", 300), strings.Repeat("d", 2000), 1e308, false)
	f.Add("t", true, "", int64(1), 5e-324, "", "2026-02-29T00:00:00.000Z", "", "", 1e-400, true)
	f.Fuzz(func(t *testing.T, task string, success bool, errType string, tokens int64, dur float64,
		logFile, ts, runID, detail string, cost float64, hasCost bool) {
		e := recorder.Entry{
			TaskID: task, Success: success, ErrorType: recorder.ErrorType(errType), Tokens: tokens,
			DurationS: dur, LogFile: logFile, Timestamp: ts, RunID: runID, ErrorDetail: detail,
		}
		if hasCost {
			e.CostUSD = &cost
		}
		// Retry extras as ccq launch writes them, on some lines: attempt
		// 1 to 3, retry_of (the detail, any string) from attempt 2.
		if n := len(task) % 4; n > 0 {
			e.Extra = map[string]any{"attempt": n}
			if n > 1 {
				e.Extra["retry_of"] = detail
			}
		}
		line, err := e.Marshal()
		if err != nil {
			t.Fatalf("the writer cannot write %+v: %v", e, err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) > MaxLine {
			t.Fatalf("the writer wrote a line of %d bytes, over the reader's %d", len(line), MaxLine)
		}
		var want recorder.Entry
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatalf("the writer wrote invalid JSON %q: %v", line, err)
		}
		var extra struct {
			Attempt int64  `json:"attempt"`
			RetryOf string `json:"retry_of"`
		}
		if err := json.Unmarshal(line, &extra); err != nil {
			t.Fatalf("the writer wrote invalid JSON %q: %v", line, err)
		}
		want.Extra = map[string]any{"attempt": extra.Attempt, "retry_of": extra.RetryOf}
		for name, parse := range map[string]func([]byte, *Record) bool{"ParseLine": ParseLine, "gjson": parseSlow} {
			var r Record
			if !parse(line, &r) {
				t.Fatalf("%s refused what the writer wrote: %q", name, line)
			}
			checkRecord(t, name, line, &r, &want)
		}
		var r Record
		if parseFast(line, &r) {
			checkRecord(t, "fast path", line, &r, &want)
		}
		_, c, err := ScanReaderAt(bytes.NewReader(append(line, '\n')), int64(len(line)+1), 1, func() nopSink { return nopSink{} })
		if err != nil || c.Lines != 1 || c.Skipped != 0 {
			t.Fatalf("Scan: %+v %v on %q", c, err, line)
		}

		// The same entry written raw, as a careless writer would.
		raw, err := json.Marshal(&e)
		if err != nil {
			return // NaN or Inf: nothing would be written
		}
		bad := tokens < 0 || dur < 0 || (hasCost && cost < 0)
		var fr, sr Record
		fast, slow := parseFast(raw, &fr), parseSlow(raw, &sr)
		if bad && (fast || slow) || !bad && !slow {
			t.Fatalf("raw line %q: fast %v slow %v, want %v", raw, fast, slow, !bad)
		}
		if fast && !sameRecordData(&fr, &sr) {
			t.Fatalf("raw line %q: fast %+v slow %+v", raw, fr, sr)
		}
	})
}

type nopSink struct{}

func (nopSink) Add(*Record, []byte, int64) {}

func checkRecord(t *testing.T, name string, line []byte, r *Record, want *recorder.Entry) {
	t.Helper()
	task := want.TaskID
	if task == "" {
		task = "unnamed"
	}
	var cost float64
	if want.CostUSD != nil {
		cost = *want.CostUSD
	}
	_, hasTS := ParseTimestamp([]byte(want.Timestamp))
	if string(r.Task) != task || r.Success != want.Success || string(r.ErrorType) != string(want.ErrorType) ||
		r.Tokens != want.Tokens || !r.HasDur || r.DurMs != secondsToMs(want.DurationS) ||
		string(r.Detail) != want.ErrorDetail || r.HasCost != (want.CostUSD != nil) || r.Cost != cost || r.HasTS != hasTS ||
		string(r.RunID) != want.RunID || r.Attempt != want.Extra["attempt"] || string(r.RetryOf) != want.Extra["retry_of"] {
		t.Fatalf("%s read %q as\n%+v\nthe line holds %+v", name, line, r, want)
	}
}

// sameRecordData is sameRecord without the timestamp cache.
func sameRecordData(a, b *Record) bool {
	a.day, b.day = dayCache{}, dayCache{}
	return sameRecord(a, b)
}
