package recorder

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// readSeeds are state-file lines: ccq's own and odd ones json.Unmarshal
// reads in its own way (or refuses).
var readSeeds = []string{
	`{"ev":"Launch","id":"r","t":1700000000000,"task":"job","log":"/l.md","pid":42,"pticks":7,"pstart":1}`,
	`{"ev":"SessionStart","id":"r","t":1,"sid":"s","tp":"/t.jsonl","src":"fork","off":{"/a":1,"/b\u003c":2},"pid":3,"prompt":"p"}`,
	`{"ev":"SessionEnd","id":"r","t":2,"reason":"other","ts":{"usage":{"input":1,"output":2,"cache_creation":3,"cache_read":4},"messages":1,"model":"m","cost_usd":0.5,"end":"answered","files":1,"first":"2026-01-02T03:04:05.6Z","reset_at":"2026-01-02T04:04:05+01:00"},"orphan":true}`,
	`{"ev":"Stop","t":3,"out":12}`, `{"ev":"StopFailure","t":4,"err":"rate_limit"}`,
	` {"ev" : "Stop" , "t" : 3 } `, `{"ev":"Stop","t":3}x`, `{"ev":"Stop","t":`, `{"ev":"Sto`, ``, `null`, `[]`, `"s"`, `{}`,
	`{"EV":"Stop"}`, `{"ev":null,"t":null}`, `{"ev":1}`, `{"t":1.5}`, `{"t":1e3}`, `{"t":-0}`, `{"t":99999999999999999999}`,
	`{"ev":"a","ev":"b"}`, `{"off":{"a":1},"off":{"b":2}}`, `{"off":{}}`, `{"off":null}`, `{"off":{"a":1,"a":2}}`,
	`{"ev":"\ud800"}`, `{"ev":"\ud83d\ude00"}`, "{\"ev\":\"\xff\"}", `{"ev":"a\u0000"}`, `{"unknown":[1,{"x":2}]}`,
	`{"orphan":"true"}`, `{"orphan":false}`, `{"ts":{}}`, `{"ts":null}`, `{"ts":{"first":"bad"}}`, `{"ts":{"cost_usd":1e400}}`,
	`{"ts":{"usage":{"input":1,"Input":2}}}`, `{"ts":{"usage":{}, "files":-1, "cost_usd":-0.0}}`, `{"pid":9223372036854775807}`,
	"{\"ev\":\"a\tb\"}", `{"ev":"\/\b\f\n\r\t\"\\"}`, `{"ev":"\u00"}`,
}

func unmarshalEvent(line []byte) (Event, bool) {
	var ev Event
	return ev, json.Unmarshal(line, &ev) == nil
}

func TestParseEvent(t *testing.T) {
	for _, s := range readSeeds {
		got, ok := parseEvent([]byte(s))
		want, wok := unmarshalEvent([]byte(s))
		if ok != wok || (ok && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v, %v", s, got, ok, want, wok)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, s := range readSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, ok := parseEvent(line)
		want, wok := unmarshalEvent(line)
		if ok != wok || (ok && !reflect.DeepEqual(got, want)) {
			t.Errorf("%q:\n got %+v, %v\nwant %+v, %v", line, got, ok, want, wok)
		}
	})
}

// TestQuickEventReadsOwnLines: every line eventLine writes is read by hand,
// never by encoding/json (the launch path must not pay its reflection).
func TestQuickEventReadsOwnLines(t *testing.T) {
	cost := 1.25
	first := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, ev := range []Event{
		{Ev: EvLaunch, T: 1, Task: "job<1>", Log: "/l/\xff.md", PID: 1, PTicks: 2, PStart: 3},
		{Ev: EvSessionStart, SID: "s\u2028", TP: "/t", Src: "resume", Off: Offsets{"/a\"": 1, "/b": 0}, Prompt: "x"},
		{Ev: EvSessionEnd, Reason: "r", Orphan: true, TS: &Transcript{Usage: Usage{1, 2, 3, 4}, Messages: 2, Model: "m",
			CostUSD: &cost, APIError: "e", APIErrorStatus: 500, APIErrorClass: "c", APIErrorText: "t", End: EndAnswered,
			Subagents: 1, Files: 2, First: first, ResetAt: first}},
		{Ev: EvStopFailure, Err: "\x01", Out: -1},
	} {
		line, err := eventLine("run\u00e9", ev)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := quickEvent(line[:len(line)-1])
		want, _ := unmarshalEvent(line)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: quickEvent = %+v, %v; want %+v", line, got, ok, want)
		}
	}
}
