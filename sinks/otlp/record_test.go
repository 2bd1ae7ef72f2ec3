package otlp

import (
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

func TestResult(t *testing.T) {
	tests := []struct {
		e    recorder.Entry
		want string
	}{
		{recorder.Entry{Success: true}, "success"},
		{recorder.Entry{ErrorType: recorder.ErrExit}, "failure"},
		{recorder.Entry{ErrorType: recorder.ErrTimeout}, "timeout"},
		{recorder.Entry{ErrorType: recorder.ErrException}, "error"},
		{recorder.Entry{ErrorType: "something_new"}, "failure"},
		{recorder.Entry{}, "failure"},
	}
	for _, tt := range tests {
		if got := Result(&tt.e); got != tt.want {
			t.Errorf("Result(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestTraceParent(t *testing.T) {
	a, b := TraceParent("01jabcdefghjkmnp"), TraceParent("01jabcdefghjkmnq")
	if a != TraceParent("01jabcdefghjkmnp") {
		t.Error("not deterministic")
	}
	if a == b {
		t.Error("two runs share a traceparent")
	}
	parts := strings.Split(a, "-")
	if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 || len(parts[2]) != 16 || parts[3] != "01" {
		t.Errorf("malformed traceparent %q", a)
	}
	if TraceParent("") != "" {
		t.Error("empty run id gets a traceparent")
	}
}

func TestParseLine(t *testing.T) {
	line := []byte(`{"task_id":"t","success":false,"error_type":"timeout","tokens":5,"duration_s":1.5,"log_file":"l","timestamp":"2026-03-01T10:00:00.000Z","run_id":"r1","attempt":2,"retry_of":"r0"}`)
	e, err := ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if e.TaskID != "t" || e.ErrorType != recorder.ErrTimeout || e.Extra["attempt"] != 2.0 || e.Extra["retry_of"] != "r0" || len(e.Extra) != 2 {
		t.Errorf("got %+v", e)
	}
	for _, bad := range []string{`{"task_id":"t"}`, `not json`, `{"success":"yes"}`, `[1]`} {
		if _, err := ParseLine([]byte(bad)); err == nil {
			t.Errorf("ParseLine(%s) accepted", bad)
		}
	}
	kv := attributes(&e)
	found := false
	for _, a := range kv {
		if a.Key == "ccq.attempt" && a.Value.AsInt64() == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("no ccq.attempt=2 in %v", kv)
	}
}
