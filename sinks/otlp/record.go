package otlp

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/idhash"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/tidwall/gjson"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
)

// Attribute keys. The cicd.* ones are the OpenTelemetry CICD semantic
// conventions, the gen_ai.* ones (genai.go) the GenAI ones; the rest are
// ccq's own.
const (
	keyPipelineName   = "cicd.pipeline.name"
	keyPipelineRunID  = "cicd.pipeline.run.id"
	keyPipelineResult = "cicd.pipeline.result"
	keyRecordUID      = "log.record.uid"
	keyOutcome        = "ccq.outcome"
)

// The cicd.pipeline.result values ccq's outcomes map to.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
	ResultTimeout = "timeout"
	ResultError   = "error"
)

// Result maps a history line's outcome category (recorder.Categorize) to
// cicd.pipeline.result:
//
//	success     → success
//	exit_error  → failure  (Claude Code ended the run unsuccessfully)
//	timeout     → timeout  (ccq's deadline ended it)
//	exception   → error    (cut short from outside, or could not start)
//	other       → failure  (a failed run with another or no error type)
//
// The category itself is the ccq.outcome attribute, the word every other
// output of ccq uses.
func Result(e *recorder.Entry) string {
	switch e.Category() {
	case recorder.CategorySuccess:
		return ResultSuccess
	case recorder.CategoryTimeout:
		return ResultTimeout
	case recorder.CategoryException:
		return ResultError
	}
	return ResultFailure
}

// runTimes are a run's start and end as the entry has them (timestamp is
// the start, duration_s the length); fallback stands in for a start that
// cannot be read.
func runTimes(e *recorder.Entry, fallback time.Time) (start, end time.Time) {
	start = fallback
	if t, err := time.Parse(time.RFC3339Nano, e.Timestamp); err == nil {
		start = t
	}
	d := e.DurationS
	if math.IsNaN(d) || d < 0 || d > 1e9 {
		d = 0
	}
	return start, start.Add(time.Duration(d * float64(time.Second)))
}

// attributes is what the log record (and, in part, the span) says about a
// run, besides the line itself.
func attributes(e *recorder.Entry) []attribute.KeyValue {
	kv := []attribute.KeyValue{
		attribute.String(keyPipelineName, e.TaskID),
		attribute.String(keyPipelineResult, Result(e)),
		attribute.String(keyOutcome, string(e.Category())),
		attribute.Bool("ccq.success", e.Success),
		attribute.Int64("ccq.tokens", e.Tokens),
		attribute.Float64("ccq.duration_s", e.DurationS),
	}
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, attribute.String(k, v))
		}
	}
	add(keyPipelineRunID, e.RunID)
	add("ccq.error.type", string(e.ErrorType))
	add("ccq.error.detail", e.ErrorDetail)
	add("ccq.session.id", e.SessionID)
	add("ccq.model", e.Model)
	add("ccq.tokens.source", e.TokensSource)
	add("ccq.recorded_by", e.RecordedBy)
	add("ccq.log_file", e.LogFile)
	if e.ExitCode != nil {
		kv = append(kv, attribute.Int("ccq.exit_code", *e.ExitCode))
	}
	if e.CostUSD != nil {
		kv = append(kv, attribute.Float64("ccq.cost_usd", *e.CostUSD))
	}
	if e.Turns != 0 {
		kv = append(kv, attribute.Int("ccq.turns", e.Turns))
	}
	// error.type: both conventions want it on a run that failed (CICD for
	// a failure or error result, GenAI for an operation that ended in an
	// error); ccq's error types are its low-cardinality classes.
	if !e.Success {
		kv = append(kv, semconv.ErrorTypeKey.String(cmp.Or(string(e.ErrorType), semconv.ErrorTypeOther.Value.AsString())))
	}
	kv = append(kv, genAIAttributes(e)...)
	if u := e.Usage; u != nil {
		kv = append(kv,
			attribute.Int64("ccq.tokens.input", u.Input),
			attribute.Int64("ccq.tokens.output", u.Output),
			attribute.Int64("ccq.tokens.cache_creation", u.CacheCreation),
			attribute.Int64("ccq.tokens.cache_read", u.CacheRead))
	}
	keys := make([]string, 0, len(e.Extra))
	for k := range e.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := "ccq.extra." + k
		if k == "attempt" {
			name = "ccq.attempt"
		}
		if a, ok := extraAttr(name, e.Extra[k]); ok {
			kv = append(kv, a)
		}
	}
	return kv
}

// extraAttr turns an extra of a scalar JSON type into an attribute; other
// types are left to the line in the body.
func extraAttr(k string, v any) (attribute.KeyValue, bool) {
	switch v := v.(type) {
	case string:
		return attribute.String(k, v), true
	case bool:
		return attribute.Bool(k, v), true
	case int:
		return attribute.Int(k, v), true
	case int64:
		return attribute.Int64(k, v), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return attribute.Int64(k, int64(v)), true // JSON's 2 is an int
		}
		return attribute.Float64(k, v), true
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return attribute.Int64(k, n), true
		}
		if f, err := v.Float64(); err == nil {
			return attribute.Float64(k, f), true
		}
	}
	return attribute.KeyValue{}, false
}

// logRecord is the run as one log record: the history line as its body.
func logRecord(line []byte, e *recorder.Entry, now time.Time) log.Record {
	line = bytes.TrimRight(line, "\r\n")
	_, end := runTimes(e, now)
	var r log.Record
	r.SetEventName("ccq.run")
	r.SetTimestamp(end)
	r.SetObservedTimestamp(now)
	if e.Success {
		r.SetSeverity(log.SeverityInfo)
		r.SetSeverityText("INFO")
	} else {
		r.SetSeverity(log.SeverityError)
		r.SetSeverityText("ERROR")
	}
	// OTLP strings must be valid UTF-8 (an invalid one fails the whole
	// batch's encoding): a stray byte in a hand-edited line becomes U+FFFD.
	r.SetBody(attribute.StringValue(strings.ToValidUTF8(string(line), "\uFFFD")))
	r.AddAttributes(attributes(e)...)
	r.AddAttributes(attribute.String(keyRecordUID, recordUID(line, e)))
	return r
}

// LogRecord is the log record a history line becomes (SendLine's), with
// the entry read from it; now is when it is observed. It fails on a line
// that is not a history entry (ParseLine).
func LogRecord(line []byte, now time.Time) (log.Record, recorder.Entry, error) {
	e, err := ParseLine(line)
	if err != nil {
		return log.Record{}, e, err
	}
	return logRecord(line, &e, now), e, nil
}

// recordUID is log.record.uid, what a backend may drop duplicates by: the
// run id (one history line per run), or for a line without one a hash of
// the line, so that the launcher's record and a backfilled one agree.
func recordUID(line []byte, e *recorder.Entry) string {
	if e.RunID != "" {
		return e.RunID
	}
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:16])
}

// ParseLine reads one history line into an Entry, extras included (JSON
// numbers as float64, as recorder.Entry's writers use them). It fails on a
// line that is not a JSON object with a boolean "success".
func ParseLine(line []byte) (recorder.Entry, error) {
	var e recorder.Entry
	line = bytes.TrimSpace(line)
	if err := json.Unmarshal(line, &e); err != nil {
		return e, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(line, &all); err != nil {
		return e, err
	}
	if s, ok := all["success"]; !ok || (string(s) != "true" && string(s) != "false") {
		return e, fmt.Errorf(`no boolean "success"`)
	}
	// The run's identity and outcome are read as ccq's other readers
	// (stats.ParseLine) read them, so that every output counts the line
	// alike: a key written twice counts with its first value
	// (encoding/json keeps the last), and a key must match exactly
	// (encoding/json takes "Task_ID" for task_id).
	first := gjson.GetManyBytes(line, "success", "error_type", "task_id")
	if first[0].Type != gjson.True && first[0].Type != gjson.False {
		return e, fmt.Errorf(`no boolean "success"`)
	}
	e.Success = first[0].Type == gjson.True
	e.ErrorType = recorder.ErrNone
	if first[1].Type == gjson.String {
		// Decoded as encoding/json does: invalid UTF-8 becomes U+FFFD.
		_ = json.Unmarshal([]byte(first[1].Raw), &e.ErrorType)
	}
	e.TaskID = ""
	if first[2].Type == gjson.String {
		_ = json.Unmarshal([]byte(first[2].Raw), &e.TaskID)
	}
	for k, raw := range all {
		if recorder.IsEntryKey(k) {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			if e.Extra == nil {
				e.Extra = map[string]any{}
			}
			e.Extra[k] = v
		}
	}
	return e, nil
}

// IDs are derived from the run id, so that TRACEPARENT can be computed
// before the run starts, by anyone who knows the run id, and a backfilled
// log record links to the same trace as the one the launcher sent.
func runIDs(runID string) (trace.TraceID, trace.SpanID) {
	tid, sid := idhash.TraceIDs(runID)
	return trace.TraceID(tid), trace.SpanID(sid)
}

// runSpanContext is the run's span as a parent for the log record and for
// what Claude Code sends.
func runSpanContext(runID string) trace.SpanContext {
	tid, sid := runIDs(runID)
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
}

// TraceParent is the W3C traceparent header value for a run's span:
// "00-<trace id>-<span id>-01". It depends on the run id only.
func TraceParent(runID string) string {
	if runID == "" {
		return ""
	}
	sc := runSpanContext(runID)
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
}

// idGenerator gives the run's span the ids runIDs derives, so that the span
// is the parent TRACEPARENT named; any other span gets random ids.
type idGenerator struct{}

type runIDKey struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if id, ok := ctx.Value(runIDKey{}).(string); ok && id != "" {
		return runIDs(id)
	}
	var tid trace.TraceID
	var sid trace.SpanID
	for !tid.IsValid() {
		fillRandom(tid[:])
	}
	for !sid.IsValid() {
		fillRandom(sid[:])
	}
	return tid, sid
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		fillRandom(sid[:])
	}
	return sid
}

func fillRandom(b []byte) {
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
}
