package stats

import (
	"bytes"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/tidwall/gjson"
)

func entryLine(t testing.TB, e recorder.Entry) []byte {
	t.Helper()
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}

func TestParseLine(t *testing.T) {
	cost := 0.25
	code := 1
	full := entryLine(t, recorder.Entry{
		TaskID: "nightly", Success: false, ErrorType: recorder.ErrExit, Tokens: 1234, DurationS: 12.5,
		LogFile: "/l/2026-03-01/nightly-x.md", Timestamp: "2026-03-01T10:00:00.250Z",
		RunID: "r1", SessionID: "s", ExitCode: &code, ErrorDetail: "rate_limit",
		Usage: &recorder.Usage{Input: 1, Output: 2, CacheCreation: 3, CacheRead: 1228}, TokensSource: "transcript",
		CostUSD: &cost, Model: "m", Turns: 3, RecordedBy: "launcher",
	})
	ts := time.Date(2026, 3, 1, 10, 0, 0, 250e6, time.UTC).UnixMilli()
	tests := []struct {
		name     string
		line     string
		ok, fast bool
		want     Record
	}{
		{"ccq line with every extra", string(full), true, true, Record{
			Task: []byte("nightly"), ErrorType: []byte("exit_error"), Tokens: 1234, DurMs: 12500, HasDur: true,
			TSMs: ts, HasTS: true, Detail: []byte("rate_limit"), Cost: 0.25, HasCost: true, RunID: []byte("r1")}},
		{"a retry", `{"task_id":"a","success":true,"error_type":null,"tokens":7,"duration_s":1,"log_file":"","timestamp":"","run_id":"r2","attempt":2,"retry_of":"r1"}`, true, true,
			Record{Task: []byte("a"), Success: true, Tokens: 7, DurMs: 1000, HasDur: true, RunID: []byte("r2"), RetryOf: []byte("r1"), Attempt: 2}},
		{"retry extras of other types", `{"task_id":"a","success":true,"error_type":null,"tokens":7,"duration_s":1,"log_file":"","timestamp":"","run_id":5,"attempt":"2","retry_of":null}`, true, true,
			Record{Task: []byte("a"), Success: true, Tokens: 7, DurMs: 1000, HasDur: true}},
		{"attempt as a fraction", `{"task_id":"a","success":true,"error_type":null,"tokens":7,"duration_s":1,"log_file":"","timestamp":"","attempt":2.0}`, true, false,
			Record{Task: []byte("a"), Success: true, Tokens: 7, DurMs: 1000, HasDur: true, Attempt: 2}},
		{"attempt out of range", `{"task_id":"a","success":true,"error_type":null,"tokens":7,"duration_s":1,"log_file":"","timestamp":"","attempt":0}`, true, false,
			Record{Task: []byte("a"), Success: true, Tokens: 7, DurMs: 1000, HasDur: true}},
		{"success, no extras", `{"task_id":"a","success":true,"error_type":null,"tokens":7,"duration_s":0.001,"log_file":"","timestamp":"2026-03-01T10:00:00.250Z"}`, true, true,
			Record{Task: []byte("a"), Success: true, Tokens: 7, DurMs: 1, HasDur: true, TSMs: ts, HasTS: true}},
		{"keys reordered", `{"success":true,"task_id":"a","tokens":7,"timestamp":"2026-03-01T10:00:00.250Z"}`, true, false,
			Record{Task: []byte("a"), Success: true, Tokens: 7, TSMs: ts, HasTS: true}},
		{"spaces", `{"task_id": "a", "success": false, "error_type": "timeout", "tokens": 0, "duration_s": 30, "log_file": "", "timestamp": "2026-03-01T11:00:00.250+01:00"}`, true, false,
			Record{Task: []byte("a"), ErrorType: []byte("timeout"), DurMs: 30000, HasDur: true, TSMs: ts, HasTS: true}},
		{"escaped task", `{"task_id":"a\"b","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"x"}`, true, false,
			Record{Task: []byte(`a"b`), Success: true, Tokens: 1, DurMs: 1000, HasDur: true}},
		{"exponent duration", `{"task_id":"a","success":true,"error_type":null,"tokens":1,"duration_s":1.5e1,"log_file":"","timestamp":""}`, true, false,
			Record{Task: []byte("a"), Success: true, Tokens: 1, DurMs: 15000, HasDur: true}},
		{"missing task", `{"success":true}`, true, false, Record{Task: []byte("unnamed"), Success: true}},
		{"empty task", `{"task_id":"","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":""}`, true, true,
			Record{Task: []byte("unnamed"), Success: true, Tokens: 1, DurMs: 1000, HasDur: true}},
		{"CRLF-free trailing space", `{"success":true} `, true, false, Record{Task: []byte("unnamed"), Success: true}},
		{"no success", `{"task_id":"a","tokens":1}`, false, false, Record{}},
		{"success as string", `{"task_id":"a","success":"true"}`, false, false, Record{}},
		{"torn", `{"task_id":"a","success":true,"error_type":null,"tok`, false, false, Record{}},
		{"torn inside usage", string(full[:bytes.Index(full, []byte(`"cache_read"`))+14]) + "}", false, false, Record{}},
		{"garbage", `hello`, false, false, Record{}},
		{"array", `[{"success":true}]`, false, false, Record{}},
		{"control char in string", "{\"task_id\":\"a\x01\",\"success\":true}", false, false, Record{}},
		{"trailing garbage", `{"success":true}}`, false, false, Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			ok := ParseLine([]byte(tt.line), &r)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			var fr Record
			if fast := parseFast([]byte(tt.line), &fr); fast != tt.fast {
				t.Errorf("fast path = %v, want %v", fast, tt.fast)
			}
			if !ok {
				return
			}
			r.day = dayCache{}
			if !sameRecord(&r, &tt.want) {
				t.Errorf("got %+v\nwant %+v", r, tt.want)
			}
		})
	}
}

func sameRecord(a, b *Record) bool {
	return bytes.Equal(a.Task, b.Task) && a.Success == b.Success && bytes.Equal(a.ErrorType, b.ErrorType) &&
		a.Tokens == b.Tokens && a.DurMs == b.DurMs && a.HasDur == b.HasDur && a.TSMs == b.TSMs &&
		a.HasTS == b.HasTS && bytes.Equal(a.Detail, b.Detail) && a.Cost == b.Cost && a.HasCost == b.HasCost &&
		bytes.Equal(a.RunID, b.RunID) && bytes.Equal(a.RetryOf, b.RetryOf) && a.Attempt == b.Attempt &&
		a.ClientSuccess == b.ClientSuccess
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-03-01T10:00:00.250Z", time.Date(2026, 3, 1, 10, 0, 0, 250e6, time.UTC), true},
		{"2024-02-29T23:59:59.999Z", time.Date(2024, 2, 29, 23, 59, 59, 999e6, time.UTC), true},
		{"1969-12-31T23:59:59.000Z", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{"2026-03-01T10:00:00Z", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-03-01T12:00:00.5+02:00", time.Date(2026, 3, 1, 10, 0, 0, 500e6, time.UTC), true},
		{"2025-02-29T00:00:00.000Z", time.Time{}, false},
		{"2026-03-01 10:00:00", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseTimestamp([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want.UnixMilli()) {
			t.Errorf("ParseTimestamp(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want.UnixMilli(), tt.ok)
		}
		var c dayCache
		c.parse([]byte("2026-03-01T00:00:00.000Z"))
		if got2, ok2 := c.parse([]byte(tt.in)); got2 != got || ok2 != ok {
			t.Errorf("cached parse(%q) = %d, %v; want %d, %v", tt.in, got2, ok2, got, ok)
		}
	}
}

// FuzzParseFast checks the fast path against gjson: whatever the fast path
// accepts, gjson must find valid and read to the same values.
func FuzzParseFast(f *testing.F) {
	cost := 0.125
	f.Add(string(entryLine(f, recorder.Entry{TaskID: "t", Success: true, Tokens: 5, DurationS: 1.25, LogFile: "/a.md", Timestamp: "2026-03-01T10:00:00.250Z", RunID: "r", CostUSD: &cost, Usage: &recorder.Usage{Input: 1}})))
	f.Add(string(entryLine(f, recorder.Entry{TaskID: "t", ErrorType: recorder.ErrTimeout, ErrorDetail: "timeout after 30s", Timestamp: "2026-03-01T10:00:00.250Z"})))
	f.Add(`{"task_id":"a","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"","error_detail":1,"error_detail":"x","cost_usd":null}`)
	f.Add(`{"task_id":"a","success":false,"error_type":"exit_error","tokens":0,"duration_s":0.5,"log_file":"a\"b","timestamp":"2026-03-01T10:00:00Z","x":[1,{"y":[]}],"cost_usd":-1e-3}`)
	f.Add(`{"task_id":"a","success":false,"error_type":"exit_error","tokens":0,"duration_s":1,"log_file":"","timestamp":"","run_id":"r2","attempt":2,"retry_of":"r1"}`)
	f.Add(`{"task_id":"a","success":false,"error_type":null,"tokens":0,"duration_s":1,"log_file":"","timestamp":"","run_id":7,"attempt":"2","retry_of":null,"attempt":3}`)
	f.Add(`{"task_id":"a","success":false,"error_type":null,"tokens":0,"duration_s":1,"log_file":"","timestamp":"","attempt":2.0,"retry_of":"r\u0031"}`)
	f.Add(`{"task_id":"a","success":false,"error_type":null,"tokens":0,"duration_s":1,"log_file":"","timestamp":"","attempt":0,"retry_of":""}`)
	f.Add(`{"task_id":"a","success":false,"error_type":null,"tokens":0,"duration_s":1,"log_file":"","timestamp":"","attempt":1000000000}`)
	f.Add(`{"task_id":"a","success":false,"error_type":"exit_error","tokens":0,"duration_s":1,"log_file":"","timestamp":"","error_detail":"verify: expect","client_success":true}`)
	f.Add(`{"task_id":"a","success":false,"error_type":"exit_error","tokens":0,"duration_s":1,"log_file":"","timestamp":"","client_success":"true","client_success":true}`)
	f.Add(`{"task_id":"a","success":false,"error_type":"exit_error","tokens":0,"duration_s":1,"log_file":"","timestamp":"","client_success":truex}`)
	f.Add(`{"task_id":"a","success":true,"error_type":null,"tokens":01,"duration_s":1,"log_file":"","timestamp":""}`)
	f.Fuzz(func(t *testing.T, line string) {
		var fast, slow Record
		if !parseFast([]byte(line), &fast) {
			return
		}
		if !gjson.Valid(line) {
			t.Fatalf("fast path accepted a line gjson finds invalid: %q", line)
		}
		if !parseSlow([]byte(line), &slow) {
			t.Fatalf("fast path accepted a line the slow path rejects: %q", line)
		}
		fast.day, slow.day = dayCache{}, dayCache{}
		if !sameRecord(&fast, &slow) {
			t.Fatalf("fast and slow disagree on %q:\nfast %+v\nslow %+v", line, fast, slow)
		}
	})
}

// FuzzTimestampCache checks that the day cache never changes a result.
func FuzzTimestampCache(f *testing.F) {
	f.Add("2026-03-01T10:00:00.250Z", "2026-03-01T23:59:59.999Z")
	f.Add("2026-03-01T10:00:00.250Z", "2026-03-01T24:00:00.000Z")
	f.Add("2026-03-01T10:00:00.250Z", "2026-03-01T1a:00:00.000Z")
	f.Fuzz(func(t *testing.T, prime, s string) {
		var c dayCache
		c.parse([]byte(prime))
		got, ok := c.parse([]byte(s))
		want, wok := ParseTimestamp([]byte(s))
		if got != want || ok != wok {
			t.Fatalf("after %q, parse(%q) = %d %v; ParseTimestamp = %d %v", prime, s, got, ok, want, wok)
		}
	})
}
