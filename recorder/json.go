package recorder

import (
	"maps"
	"slices"
	"time"

	"github.com/ccq-dev/ccq/internal/jsonw"
)

// The state events and the history line are written by hand, byte for
// byte as json.Marshal writes them (the tests compare the two, fuzzing
// included): encoding/json's reflection on first use was a measurable part
// of every launch's and every hook's start. See package jsonw.

// appendJSON appends ev as json.Marshal(ev) would.
func (ev *Event) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"ev":`...)
	b = jsonw.String(b, ev.Ev)
	b = optString(b, "id", ev.ID)
	b = jsonw.Int(append(b, `,"t":`...), ev.T)
	b = optString(b, "task", ev.Task)
	b = optString(b, "log", ev.Log)
	b = optString(b, "sid", ev.SID)
	b = optString(b, "tp", ev.TP)
	b = optString(b, "src", ev.Src)
	if len(ev.Off) > 0 {
		b = jsonw.Key(b, "off")
		b = append(b, '{')
		for _, k := range slices.Sorted(maps.Keys(ev.Off)) {
			b = jsonw.Int(jsonw.Key(b, k), ev.Off[k])
		}
		b = append(b, '}')
	}
	b = optInt(b, "pid", int64(ev.PID))
	b = optInt(b, "pticks", ev.PTicks)
	b = optInt(b, "pstart", ev.PStart)
	b = optString(b, "err", ev.Err)
	b = optString(b, "reason", ev.Reason)
	b = optInt(b, "out", int64(ev.Out))
	b = optString(b, "prompt", ev.Prompt)
	if ev.TS != nil {
		var err error
		if b, err = ev.TS.appendJSON(jsonw.Key(b, "ts")); err != nil {
			return b, err
		}
	}
	if ev.Orphan {
		b = append(b, `,"orphan":true`...)
	}
	return append(b, '}'), nil
}

// appendJSON appends ts as json.Marshal(ts) would.
func (ts *Transcript) appendJSON(b []byte) ([]byte, error) {
	b = ts.Usage.appendJSON(append(b, `{"usage":`...))
	b = jsonw.Int(append(b, `,"messages":`...), int64(ts.Messages))
	b = optString(b, "model", ts.Model)
	var err error
	if b, err = optFloat(b, "cost_usd", ts.CostUSD); err != nil {
		return b, err
	}
	b = optString(b, "api_error", ts.APIError)
	b = optInt(b, "api_error_status", int64(ts.APIErrorStatus))
	b = optString(b, "api_error_class", ts.APIErrorClass)
	b = optString(b, "api_error_text", ts.APIErrorText)
	b = optString(b, "end", ts.End)
	b = optInt(b, "subagents", int64(ts.Subagents))
	b = jsonw.Int(append(b, `,"files":`...), int64(ts.Files))
	if b, err = optTime(b, "first", ts.First); err != nil {
		return b, err
	}
	if b, err = optTime(b, "reset_at", ts.ResetAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendJSON appends u as json.Marshal(u) would.
func (u Usage) appendJSON(b []byte) []byte {
	b = jsonw.Int(append(b, `{"input":`...), u.Input)
	b = jsonw.Int(append(b, `,"output":`...), u.Output)
	b = jsonw.Int(append(b, `,"cache_creation":`...), u.CacheCreation)
	b = jsonw.Int(append(b, `,"cache_read":`...), u.CacheRead)
	return append(b, '}')
}

// appendJSON appends e as json.Marshal(e) would; Extra is not written.
func (e *Entry) appendJSON(b []byte) ([]byte, error) {
	b = jsonw.String(append(b, `{"task_id":`...), e.TaskID)
	b = jsonw.Bool(append(b, `,"success":`...), e.Success)
	b = e.ErrorType.appendJSON(append(b, `,"error_type":`...))
	b = jsonw.Int(append(b, `,"tokens":`...), e.Tokens)
	var err error
	if b, err = jsonw.Float(append(b, `,"duration_s":`...), e.DurationS); err != nil {
		return b, err
	}
	b = jsonw.String(append(b, `,"log_file":`...), e.LogFile)
	b = jsonw.String(append(b, `,"timestamp":`...), e.Timestamp)
	b = optString(b, "run_id", e.RunID)
	b = optString(b, "session_id", e.SessionID)
	if e.ExitCode != nil {
		b = jsonw.Int(jsonw.Key(b, "exit_code"), int64(*e.ExitCode))
	}
	b = optString(b, "error_detail", e.ErrorDetail)
	if e.Usage != nil {
		b = e.Usage.appendJSON(jsonw.Key(b, "usage"))
	}
	b = optString(b, "tokens_source", e.TokensSource)
	if b, err = optFloat(b, "cost_usd", e.CostUSD); err != nil {
		return b, err
	}
	b = optString(b, "model", e.Model)
	b = optInt(b, "turns", int64(e.Turns))
	b = optString(b, "recorded_by", e.RecordedBy)
	return append(b, '}'), nil
}

func (e ErrorType) appendJSON(b []byte) []byte {
	if e == ErrNone {
		return append(b, "null"...)
	}
	return jsonw.String(b, string(e))
}

// optString, optInt, optFloat and optTime write a member that omitempty
// (omitzero for a time) leaves out when it is empty.
func optString(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return jsonw.String(jsonw.Key(b, name), v)
}

func optInt(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	return jsonw.Int(jsonw.Key(b, name), v)
}

func optFloat(b []byte, name string, v *float64) ([]byte, error) {
	if v == nil {
		return b, nil
	}
	return jsonw.Float(jsonw.Key(b, name), *v)
}

func optTime(b []byte, name string, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return b, nil
	}
	j, err := t.MarshalJSON() // time's own method: no reflection
	if err != nil {
		return b, err
	}
	return append(jsonw.Key(b, name), j...), nil
}
