package launch

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/jsonw/jsonwtest"
)

// The hand-written encoders must write what json.Marshal writes.

func TestLockHolderJSON(t *testing.T) {
	for _, h := range []lockHolder{{}, {PID: 1}, {PID: -7, RunID: "<run>&\u2028\xff"}} {
		want, _ := json.Marshal(h)
		if got := h.appendJSON(nil); string(got) != string(want) {
			t.Errorf("%+v: got %s, json.Marshal: %s", h, got, want)
		}
	}
}

func FuzzLockHolderJSON(f *testing.F) {
	f.Add(int64(12), "run-1")
	f.Add(int64(-1), "\x00<\xff")
	f.Fuzz(func(t *testing.T, pid int64, run string) {
		h := lockHolder{PID: int(pid), RunID: run}
		want, _ := json.Marshal(h)
		if got := h.appendJSON(nil); string(got) != string(want) {
			t.Errorf("%+v: got %s, json.Marshal: %s", h, got, want)
		}
	})
}

func checkGuardMsg(t *testing.T, m guardMsg) {
	t.Helper()
	want, werr := json.Marshal(m)
	got, err := m.appendJSON([]byte{})
	if (err != nil) != (werr != nil) || string(got) != string(want) {
		t.Errorf("%+v: got %s, %v; json.Marshal: %s, %v", m, got, err, want, werr)
	}
}

func TestGuardMsgJSON(t *testing.T) {
	for _, m := range []guardMsg{
		{}, {Done: true}, {PID: 3}, {Grace: 10 * time.Second, Extra: map[string]any{}},
		{Logs: "/l", Run: "r", Task: "t<>", Log: "/x.md", Start: 1700000000000, Grace: -1, PID: 9,
			Extra: map[string]any{"attempt": 2, "retry_of": "r0", "fp": map[string]string{"git": "x"}}, Done: true},
		{Run: "r", Extra: map[string]any{"bad": math.NaN()}},
	} {
		checkGuardMsg(t, m)
	}
}

func FuzzGuardMsgJSON(f *testing.F) {
	f.Add("/logs", "run", "task", "/log", "k", "v", int64(1), int64(2), 0.5, true)
	f.Add("", "", "", "", "", "\xff\u2029", int64(0), int64(-1), math.NaN(), false)
	f.Fuzz(func(t *testing.T, logs, run, task, log, k, v string, n, m int64, x float64, done bool) {
		msg := guardMsg{Logs: logs, Run: run, Task: task, Log: log, Start: n, Grace: time.Duration(m), PID: int(n ^ m), Done: done}
		if k != "" {
			msg.Extra = map[string]any{k: v, "n": n, "x": x}
		}
		checkGuardMsg(t, msg)
	})
}

func unmarshalHolder(b []byte) lockHolder {
	var h lockHolder
	_ = json.Unmarshal(b, &h)
	return h
}

var holderSeeds = []string{
	"{\"pid\":12,\"run_id\":\"r\"}\n", `{"pid":12}`, `{"pid":1,"run_id":3}`, `{"run_id":"r","pid":"x"}`, `{"PID":4}`,
	`{"pid":1,"pid":2}`, `{"pid":1.5}`, `{"pid":`, ``, `null`, `{"run_id":"\ud800"}`, `{"pid":1,"x":[]}`, `[1]`,
	`{"run_id":"\u003c\/"}`, `{"pid":99999999999999999999}`,
}

func TestParseHolder(t *testing.T) {
	for _, s := range holderSeeds {
		if got, want := parseHolder([]byte(s)), unmarshalHolder([]byte(s)); got != want {
			t.Errorf("%q: got %+v, json.Unmarshal: %+v", s, got, want)
		}
	}
	h := lockHolder{PID: 7, RunID: "<r>\xff"}
	if !quickHolder(h.appendJSON(nil), &lockHolder{}) {
		t.Errorf("the holder's own line %s is left to encoding/json", h.appendJSON(nil))
	}
}

func FuzzParseHolder(f *testing.F) {
	for _, s := range holderSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := parseHolder(b), unmarshalHolder(b); got != want {
			t.Errorf("%q: got %+v, json.Unmarshal: %+v", b, got, want)
		}
	})
}

// decodeAll is what Guard read before: a json.Decoder's values until its
// first error.
func decodeAll(b []byte) []guardMsg {
	var out []guardMsg
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var m guardMsg
		if dec.Decode(&m) != nil {
			return out
		}
		out = append(out, m)
	}
}

func readAll(b []byte) []guardMsg {
	var out []guardMsg
	r := newGuardReader(bytes.NewReader(b))
	for {
		m, err := r.next()
		if err != nil {
			return out
		}
		out = append(out, m)
	}
}

var guardSeeds = []string{
	"{\"logs\":\"/l\",\"run\":\"r\",\"task\":\"t\",\"log\":\"/x\",\"start\":1,\"grace\":10000000000,\"pid\":3}\n{\"extra\":{\"attempt\":2,\"fp\":{\"git\":\"x\"},\"l\":[1,\"a\",null,true,{}]}}\n{\"done\":true}\n",
	"{\"run\":\"r\"}\n\n  \n{\"run\":\"s\"}", "{\"run\":\"r\"} {\"run\":\"s\"}\n", "{\"run\":\"r\"}\nnull\n{\"pid\":1}\n", "{\"pid\":\"x\"}\n{\"run\":\"r\"}\n",
	"{\"run\":\"r\",\"RUN\":\"s\"}\n", "{\"extra\":{\"a\":1},\"extra\":{\"b\":2}}\n", "{\"extra\":{\"a\":1,\"a\":2}}\n", "{\"extra\":null}\n",
	"{\"run\":\"\\ud800\"}\n", "{\"start\":1.5}\n", "{\"run\":\"r\"\n}\n", "{\"run\":\"r\"}\v\n", "{\"extra\":{\"n\":1e400}}\n", "\n",
	"{\"done\":false}garbage\n", "[]\n", "{\"grace\":-9223372036854775808,\"extra\":{}}\n", "{\"run\":\"r\"}\n{\"run\":",
}

func TestGuardReader(t *testing.T) {
	for _, s := range guardSeeds {
		if got, want := readAll([]byte(s)), decodeAll([]byte(s)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", s, got, want)
		}
	}
	// What send writes is read by hand, never by encoding/json.
	m := guardMsg{Logs: "/l", Run: "<r>", Task: "t", Log: "\u2028", Start: 1, Grace: 2, PID: 3, Done: true,
		Extra: map[string]any{"attempt": 1, "fp": map[string]string{"a": "b"}, "l": []any{nil, 1.5}}}
	line, _ := m.appendJSON(nil)
	if _, ok := quickGuardMsg(line); !ok {
		t.Errorf("send's own line %s is left to encoding/json", line)
	}
}

func FuzzGuardReader(f *testing.F) {
	for _, s := range guardSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := readAll(b), decodeAll(b); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", b, got, want)
		}
	})
}

// TestEncodersCoverEveryField: with every field set, the hand-written
// encoders write what json.Marshal writes, so a field added to guardMsg or
// lockHolder and forgotten in launch/json.go fails here.
func TestEncodersCoverEveryField(t *testing.T) {
	var m guardMsg
	jsonwtest.Fill(&m)
	got, err := m.appendJSON(nil)
	want, werr := json.Marshal(m)
	if err != nil || werr != nil || string(got) != string(want) {
		t.Errorf("guardMsg:\n got %s (%v)\nwant %s (%v)", got, err, want, werr)
	}
	var h lockHolder
	jsonwtest.Fill(&h)
	want, werr = json.Marshal(h)
	if got := h.appendJSON(nil); werr != nil || string(got) != string(want) {
		t.Errorf("lockHolder:\n got %s\nwant %s (%v)", got, want, werr)
	}
}
