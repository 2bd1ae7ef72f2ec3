package otlp

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// attrValues is an attribute list as strings by key (Emit() renders ints
// and strings alike), for comparison with a want map.
func attrValues(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// genAILines are history lines as the launcher and the hook write them,
// with the attributes they must (want) and must not (absent) become.
var genAILines = []struct {
	name   string
	line   string
	want   map[string]string
	absent []string
}{{
	// A launcher's line: usage from the transcript, with Anthropic's
	// cache tokens, and a fingerprint whose models show a fallback.
	name: "launcher line with cache tokens and a fallback model",
	line: `{"task_id":"nightly","success":true,"error_type":null,"tokens":51234,"duration_s":42.5,"log_file":"/l/nightly.md",` +
		`"timestamp":"2026-12-01T02:00:00.000Z","run_id":"01jabcdefghjkmnp","session_id":"054c7e12-0284-4fa3-a597-5fbc27f558b7",` +
		`"exit_code":0,"usage":{"input":12,"output":834,"cache_creation":5120,"cache_read":45268},"tokens_source":"transcript",` +
		`"cost_usd":0.21,"model":"claude-sonnet-5","turns":3,"recorded_by":"launcher","attempt":1,` +
		`"fp":{"ccq":"0.9.0","claude":"2.1.328","models":"claude-opus-5-5,claude-sonnet-5","prompt":"1a2b3c4d"}}`,
	want: map[string]string{
		"gen_ai.operation.name":  "invoke_agent",
		"gen_ai.provider.name":   "anthropic",
		"gen_ai.agent.name":      "nightly",
		"gen_ai.conversation.id": "054c7e12-0284-4fa3-a597-5fbc27f558b7",
		"gen_ai.request.model":   "claude-opus-5-5",
		"gen_ai.response.model":  "claude-sonnet-5",
		// input 12 + cache_read 45268 + cache_creation 5120
		"gen_ai.usage.input_tokens":                "50400",
		"gen_ai.usage.output_tokens":               "834",
		"gen_ai.usage.cache_read.input_tokens":     "45268",
		"gen_ai.usage.cache_creation.input_tokens": "5120",
		"cicd.pipeline.name":                       "nightly",
		"cicd.pipeline.result":                     "success",
	},
	absent: []string{"error.type"},
}, {
	// A hook's line: no fingerprint, so the run's model is both.
	name: "hook line without a fingerprint, failed",
	line: `{"task_id":"adhoc","success":false,"error_type":"exit_error","tokens":30,"duration_s":3,"log_file":"",` +
		`"timestamp":"2026-12-01T02:00:00.000Z","session_id":"s-1","usage":{"input":10,"output":20,"cache_creation":0,"cache_read":0},` +
		`"tokens_source":"transcript","model":"claude-opus-5-5","recorded_by":"hook"}`,
	want: map[string]string{
		"gen_ai.request.model":       "claude-opus-5-5",
		"gen_ai.response.model":      "claude-opus-5-5",
		"gen_ai.usage.input_tokens":  "10",
		"gen_ai.usage.output_tokens": "20",
		"gen_ai.conversation.id":     "s-1",
		"error.type":                 "exit_error",
		"cicd.pipeline.result":       "failure",
	},
}, {
	// An estimate is no provider count, and a run that never started
	// has no model and no session.
	name: "estimated tokens, no model",
	line: `{"task_id":"nightly","success":false,"error_type":"exception","tokens":250,"duration_s":0.1,"log_file":"",` +
		`"timestamp":"2026-12-01T02:00:00.000Z","tokens_source":"estimate"}`,
	want: map[string]string{
		"gen_ai.operation.name": "invoke_agent",
		"gen_ai.provider.name":  "anthropic",
		"gen_ai.agent.name":     "nightly",
		"error.type":            "exception",
	},
	absent: []string{"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.request.model",
		"gen_ai.response.model", "gen_ai.conversation.id"},
}, {
	// A hand-edited fingerprint that is not one: the run's model stands.
	name: "fingerprint of the wrong shape",
	line: `{"task_id":"x","success":true,"error_type":null,"tokens":0,"duration_s":0,"log_file":"","timestamp":"",` +
		`"model":"claude-opus-5-5","fp":{"models":42}}`,
	want: map[string]string{"gen_ai.request.model": "claude-opus-5-5", "gen_ai.response.model": "claude-opus-5-5"},
}, {
	// A hand-written failed line with no error_type.
	name: "failure without an error type",
	line: `{"task_id":"x","success":false,"error_type":null,"tokens":0,"duration_s":0,"log_file":"","timestamp":""}`,
	want: map[string]string{"error.type": "_OTHER", "gen_ai.agent.name": "x"},
}}

// TestGenAIAttributes reads history lines as the launcher and the hook
// write them and checks the GenAI semantic-convention attributes they
// become on the log record and the span.
func TestGenAIAttributes(t *testing.T) {
	for _, tt := range genAILines {
		t.Run(tt.name, func(t *testing.T) {
			rec, e, err := LogRecord([]byte(tt.line), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var kvs []attribute.KeyValue
			rec.WalkAttributes(func(kv attribute.KeyValue) bool {
				kvs = append(kvs, kv)
				return true
			})
			for _, got := range []map[string]string{attrValues(kvs), attrValues(attributes(&e))} {
				for k, w := range tt.want {
					if got[k] != w {
						t.Errorf("%s = %q, want %q", k, got[k], w)
					}
				}
				for _, k := range tt.absent {
					if v, ok := got[k]; ok {
						t.Errorf("%s = %q, want none", k, v)
					}
				}
			}
		})
	}
}
