package recorder

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/internal/jsonw/jsonwtest"
)

// The hand-written encoders must write what json.Marshal writes. The
// reference for an Entry is Marshal as it was, on encoding/json.

func refEvent(t *testing.T, runID string, ev Event) string {
	t.Helper()
	ev.ID = runID
	b, err := json.Marshal(ev)
	if err != nil {
		return "error"
	}
	return string(b) + "\n"
}

func gotEvent(runID string, ev Event) string {
	b, err := eventLine(runID, ev)
	if err != nil {
		return "error"
	}
	return string(b)
}

func refEntry(e *Entry) string {
	c := e.bounded() // the bounds are TestEveryLineIsReadable's; this compares the encoding
	b, err := json.Marshal(&c)
	if err != nil {
		return "error"
	}
	keys := []string{}
	for k := range c.Extra {
		if !IsEntryKey(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := b[:len(b)-1]
	for _, k := range keys {
		v := c.Extra[k]
		if s, ok := v.(string); ok {
			v = clamp.String(s, MaxDetailLen)
		}
		kb, _ := json.Marshal(clamp.String(k, MaxNameLen))
		vb, err := json.Marshal(v)
		if err != nil || len(vb) > MaxDetailLen*2 {
			continue
		}
		out = append(append(append(append(out, ','), kb...), ':'), vb...)
	}
	return string(append(out, '}', '\n'))
}

func gotEntry(e *Entry) string {
	b, err := e.Marshal()
	if err != nil {
		return "error"
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

func TestEventJSON(t *testing.T) {
	first := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	evs := []Event{
		{},
		{Ev: EvLaunch, T: 1700000000123, Task: "job", Log: "/l/<job>&.md", PID: 42, PTicks: 7, PStart: -1},
		{Ev: EvSessionStart, SID: "s\u2028", TP: "/t/\xff.jsonl", Src: "fork", Off: Offsets{"/b": 2, "/a": -1, "\x00": 0}, Prompt: "p"},
		{Ev: EvStop, Out: 12, Orphan: true, Err: "e\"\\", Reason: "r\n"},
		{Ev: EvSessionEnd, Off: Offsets{}, TS: &Transcript{}},
		{Ev: EvSessionEnd, TS: &Transcript{
			Usage: Usage{1, 2, 3, 4}, Messages: 5, Model: "m", CostUSD: ptr(0.000001234), APIError: "x",
			APIErrorStatus: 529, APIErrorClass: "c", APIErrorText: "<t>", End: EndAnswered, Subagents: 2,
			Files: 3, First: first, ResetAt: first.In(time.FixedZone("", 3600)),
		}},
		{Ev: EvSessionEnd, TS: &Transcript{CostUSD: ptr(math.NaN())}},
		{Ev: EvSessionEnd, TS: &Transcript{First: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, id := range []string{"", "run-1", "<&>"} {
		for _, ev := range evs {
			if got, want := gotEvent(id, ev), refEvent(t, id, ev); got != want {
				t.Errorf("event %+v:\n got %s\nwant %s", ev, got, want)
			}
		}
	}
}

func FuzzEventJSON(f *testing.F) {
	f.Add("Launch", "id", "task", "/log", "sid", "/tp.jsonl", "src", "err", "<pr>", int64(1), int64(2), 0.5, int64(1700000000000), true)
	f.Add("", "\xff", "\u2028", "\x01", "", "", "", "", "", int64(-1), int64(0), math.Inf(1), int64(0), false)
	f.Fuzz(func(t *testing.T, ev, id, task, log, sid, tp, src, errs, prompt string, n, m int64, x float64, ms int64, flag bool) {
		e := Event{Ev: ev, T: n, Task: task, Log: log, SID: sid, TP: tp, Src: src, PID: int(m), PTicks: m, PStart: -n,
			Err: errs, Reason: src, Out: int(n), Prompt: prompt, Orphan: flag}
		if flag {
			e.Off = Offsets{tp: n, log: m}
			e.TS = &Transcript{Usage: Usage{n, m, -n, -m}, Messages: int(m), Model: sid, CostUSD: &x, APIError: errs,
				APIErrorStatus: int(n), End: src, Files: int(m), First: time.UnixMilli(ms), ResetAt: time.UnixMilli(n).UTC()}
		}
		if got, want := gotEvent(id, e), refEvent(t, id, e); got != want {
			t.Errorf("event %+v:\n got %s\nwant %s", e, got, want)
		}
	})
}

func TestEntryJSON(t *testing.T) {
	long := strings.Repeat("é<", 1000)
	es := []Entry{
		{},
		{TaskID: "job", Success: true, Tokens: 10, DurationS: 1.5, LogFile: "/l", Timestamp: "ts"},
		{TaskID: "a/../b\x00", ErrorType: ErrTimeout, Tokens: -5, DurationS: math.NaN(), RunID: long, SessionID: long,
			ExitCode: ptr(-1), ErrorDetail: long, Usage: &Usage{1, 2, 3, 4}, TokensSource: TokensTranscript,
			CostUSD: ptr(1e-9), Model: long, Turns: 3, RecordedBy: ByLauncher, LogFile: long + long + long},
		{DurationS: math.Inf(1), CostUSD: ptr(math.Inf(1))},
		{DurationS: 1e21, CostUSD: ptr(-1.0), ExitCode: ptr(0), Usage: &Usage{}},
		{Extra: map[string]any{
			"attempt": 2, "retry_of": "run<1>", "verified": true, "fp": map[string]string{"git": "abc", "claude": "2.1"},
			"task_id": "ignored", "nan": math.NaN(), "big": long, "list": []string{long, long}, "nil": nil,
			long + "x": 1, long + "y": 2, "f": 0.1, "m": map[string]any{"k": []any{1.5, "v"}}, "u": uint8(3),
			"\u2028": json.Number("7"), "et": ErrExit, "none": ErrNone,
		}},
	}
	for _, e := range es {
		if got, want := gotEntry(&e), refEntry(&e); got != want {
			t.Errorf("entry %+v:\n got %s\nwant %s", e, got, want)
		}
	}
}

func FuzzEntryJSON(f *testing.F) {
	f.Add("job", "run", "sid", "/log", "detail", "model", "ts", "k", "v", int64(5), 1.25, 0.5, true)
	f.Add("\xff/<", "\u2029", "", "", "", "", "", "run_id", "\x7f", int64(-1), math.NaN(), -0.0, false)
	f.Fuzz(func(t *testing.T, task, run, sid, log, detail, model, ts, k, v string, n int64, d, cost float64, flag bool) {
		e := Entry{TaskID: task, Success: flag, ErrorType: ErrorType(v), Tokens: n, DurationS: d, LogFile: log,
			Timestamp: ts, RunID: run, SessionID: sid, ErrorDetail: detail, TokensSource: v, Model: model,
			Turns: int(n), RecordedBy: k, Extra: map[string]any{k: v, v: n, "cost": cost, "d": []any{d, flag, k}}}
		if flag {
			e.ExitCode, e.Usage, e.CostUSD = ptr(int(n)), &Usage{n, -n, n, 0}, &cost
		}
		if got, want := gotEntry(&e), refEntry(&e); got != want {
			t.Errorf("entry %+v:\n got %s\nwant %s", e, got, want)
		}
	})
}

func TestHistoryHasRunEscapes(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"plain", "<&>", "a\u2028b"} {
		if HistoryHasRun(dir, id) {
			t.Fatalf("HistoryHasRun(%q) on an empty history", id)
		}
		e := Entry{TaskID: "job", RunID: id}
		if err := Append(dir, &e); err != nil {
			t.Fatal(err)
		}
		if !HistoryHasRun(dir, id) {
			t.Errorf("HistoryHasRun(%q) = false after its line was written", id)
		}
	}
}

// TestEncodersCoverEveryField: with every field set, the hand-written
// encoders write what json.Marshal writes, so a field added to Event,
// Transcript, Usage or Entry and forgotten in recorder/json.go fails here.
func TestEncodersCoverEveryField(t *testing.T) {
	var ev Event
	jsonwtest.Fill(&ev)
	if got, want := gotEvent(ev.ID, ev), refEvent(t, ev.ID, ev); got != want {
		t.Errorf("event:\n got %s\nwant %s", got, want)
	}
	var e Entry
	jsonwtest.Fill(&e)
	e.ErrorType = ErrTimeout
	if got, want := gotEntry(&e), refEntry(&e); got != want {
		t.Errorf("entry:\n got %s\nwant %s", got, want)
	}
}
