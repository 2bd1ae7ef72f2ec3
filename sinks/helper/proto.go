// Package helper is ccq's side of ccq-helper, the second binary that holds
// the integrations with heavy dependencies (the OpenTelemetry SDK and gRPC,
// shoutrrr, client_golang), and the small protocol between the two.
//
// ccq starts the helper only when one of them is configured, the way git
// runs git-foo or age its plugins: Find looks next to ccq's executable,
// then on $PATH. Start sends it the configuration, and each remote sink it
// set up becomes a launch.Sink in ccq (Client.Sinks), so the launcher
// treats them as it treats a local one: same deadline, same warnings,
// same "<sink>_error" extras.
//
// # Protocol (version 1)
//
// ccq writes one JSON object per line on the helper's stdin; the helper
// answers each with one JSON line on stdout, in order, with the same id:
//
//	{"v":1,"id":1,"event":"hello","timeout_ms":10000,"config":{…}}
//	{"v":1,"id":1,"sinks":["otlp","textfile"],"traceparent":true,"errors":{…}}
//	{"v":1,"id":2,"event":"started","timeout_ms":9990,"run":{…}}
//	{"v":1,"id":2}
//	{"v":1,"id":3,"event":"finished","timeout_ms":9990,"run":{…},"entry":{history line}}
//	{"v":1,"id":3,"errors":{"otlp":"…"}}
//
// Events are hello (the first, always), started, finished, skipped (the
// task's lock was held: task and reason) and check (text for the notify
// sink, from ccq check). errors maps a sink's name to what went wrong; in
// the hello answer, to why the sink could not be set up. timeout_ms is what
// is left of ccq's deadline: the helper answers within it, and ccq kills
// the helper's process group when it does not. Closing stdin ends the
// helper, which shuts its sinks down first. A helper that gets a version
// it does not speak answers with the error "version".
package helper

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// Version is the protocol's version.
const Version = 1

// The events.
const (
	EventHello    = "hello"
	EventStarted  = "started"
	EventFinished = "finished"
	EventSkipped  = "skipped"
	EventCheck    = "check"
)

// Names of the sinks the helper can set up.
const (
	SinkOTLP     = "otlp"
	SinkTextfile = "textfile"
	SinkNotify   = "notify"
	SinkPing     = "ping"
)

// Config is what the helper sets up, sent with hello. The rest (OTEL_*,
// $CCQ_TEXTFILE_DIR) comes from the environment ccq gives it.
type Config struct {
	OTLP     bool     `json:"otlp,omitempty"`     // the OTLP sink, from OTEL_*
	Textfile bool     `json:"textfile,omitempty"` // node_exporter's textfile, from $CCQ_TEXTFILE_DIR
	Notify   []string `json:"notify,omitempty"`   // notification URLs: webhooks and services
	Ping     string   `json:"ping,omitempty"`     // the healthchecks ping URL (sinks/ping)
	// PingTimeoutMs bounds one ping, retries included (0: the ping's default).
	PingTimeoutMs int64  `json:"ping_timeout_ms,omitempty"`
	NotifyOn      string `json:"notify_on,omitempty"`
	LogsDir       string `json:"logs_dir,omitempty"`
	History       string `json:"history,omitempty"` // for notify's recoveries
	Version       string `json:"version,omitempty"` // ccq's, for service.version
}

// Run is launch.RunInfo on the wire.
type Run struct {
	RunID     string `json:"run_id"`
	Task      string `json:"task"`
	LogFile   string `json:"log_file,omitempty"`
	StartMs   int64  `json:"start_ms"`
	Attempt   int    `json:"attempt,omitempty"`
	RetryOf   string `json:"retry_of,omitempty"`
	WillRetry bool   `json:"will_retry,omitempty"`
}

// Request is one line from ccq to the helper.
type Request struct {
	V         int             `json:"v"`
	ID        int64           `json:"id"`
	Event     string          `json:"event"`
	TimeoutMs int64           `json:"timeout_ms,omitempty"`
	Config    *Config         `json:"config,omitempty"`
	Run       *Run            `json:"run,omitempty"`
	Entry     json.RawMessage `json:"entry,omitempty"` // the history line
	Task      string          `json:"task,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Text      string          `json:"text,omitempty"`
}

// Reply is one line from the helper to ccq.
type Reply struct {
	V           int               `json:"v"`
	ID          int64             `json:"id"`
	Sinks       []string          `json:"sinks,omitempty"`       // hello: the sinks set up
	TraceParent bool              `json:"traceparent,omitempty"` // hello: the OTLP sink sends spans
	Errors      map[string]string `json:"errors,omitempty"`
	Error       string            `json:"error,omitempty"` // the request itself was refused
}

func wireRun(r launch.RunInfo) *Run {
	return &Run{RunID: r.RunID, Task: r.Task, LogFile: r.LogFile, StartMs: r.Start.UnixMilli(),
		Attempt: r.Attempt, RetryOf: r.RetryOf, WillRetry: r.WillRetry}
}

// Info is the run as the launcher named it.
func (r *Run) Info() launch.RunInfo {
	if r == nil {
		return launch.RunInfo{}
	}
	return launch.RunInfo{RunID: r.RunID, Task: r.Task, LogFile: r.LogFile, Start: time.UnixMilli(r.StartMs),
		Attempt: r.Attempt, RetryOf: r.RetryOf, WillRetry: r.WillRetry}
}

// DecodeEntry reads a history line back into an entry, extras included.
func DecodeEntry(line []byte) (recorder.Entry, error) {
	var e recorder.Entry
	if err := json.Unmarshal(line, &e); err != nil {
		return e, fmt.Errorf("entry: %w", err)
	}
	var all map[string]any
	if err := json.Unmarshal(line, &all); err != nil {
		return e, fmt.Errorf("entry: %w", err)
	}
	for k, v := range all {
		if recorder.IsEntryKey(k) {
			continue
		}
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		e.Extra[k] = v
	}
	return e, nil
}
