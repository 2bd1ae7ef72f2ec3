package otlp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		off     bool   // no signal on
		logs    string // logs endpoint wanted ("" = logs off)
		traces  string
		proto   string
		timeout time.Duration
		err     string
	}{
		{name: "nothing set", env: map[string]string{}, off: true},
		{name: "disabled", env: map[string]string{EnvEndpoint: "http://h:4318", EnvSDKDisabled: "TRUE"}, off: true},
		{name: "generic endpoint", env: map[string]string{EnvEndpoint: "http://h:4318"}, logs: "http://h:4318/v1/logs", traces: "http://h:4318/v1/traces", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "generic endpoint with path", env: map[string]string{EnvEndpoint: "https://h/otlp/"}, logs: "https://h/otlp/v1/logs", traces: "https://h/otlp/v1/traces", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "per-signal endpoint as is", env: map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://l:1/custom"}, logs: "http://l:1/custom", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "per-signal wins", env: map[string]string{EnvEndpoint: "http://h:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:1/x"}, logs: "http://h:4318/v1/logs", traces: "http://t:1/x", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "signal off", env: map[string]string{EnvEndpoint: "http://h:4318", "OTEL_TRACES_EXPORTER": "none"}, logs: "http://h:4318/v1/logs", proto: ProtocolHTTP, timeout: DefaultTimeout},
		{name: "grpc", env: map[string]string{EnvEndpoint: "http://h:4317", EnvProtocol: "grpc"}, logs: "http://h:4317", traces: "http://h:4317", proto: ProtocolGRPC, timeout: DefaultTimeout},
		{name: "grpc host:port", env: map[string]string{EnvEndpoint: "h:4317", EnvProtocol: "grpc"}, logs: "h:4317", traces: "h:4317", proto: ProtocolGRPC, timeout: DefaultTimeout},
		{name: "otel timeout", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTimeout: "500"}, logs: "http://h:4318/v1/logs", traces: "http://h:4318/v1/traces", proto: ProtocolHTTP, timeout: 500 * time.Millisecond},
		{name: "ccq timeout wins", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTimeout: "500", EnvFlushTimeout: "3s"}, logs: "http://h:4318/v1/logs", traces: "http://h:4318/v1/traces", proto: ProtocolHTTP, timeout: 3 * time.Second},
		{name: "json protocol", env: map[string]string{EnvEndpoint: "http://h:4318", EnvProtocol: "http/json"}, err: `protocol "http/json" is not supported`},
		{name: "no scheme", env: map[string]string{EnvEndpoint: "h:4318"}, err: "want a URL"},
		{name: "bad timeout", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTimeout: "2s"}, err: "milliseconds"},
		{name: "bad ccq timeout", env: map[string]string{EnvEndpoint: "http://h:4318", EnvFlushTimeout: "2"}, err: "positive duration"},
		{name: "bad headers", env: map[string]string{EnvEndpoint: "http://h:4318", EnvHeaders: "novalue"}, err: "key=value"},
		{name: "bad temporality", env: map[string]string{EnvEndpoint: "http://h:4318", EnvTemporality: "sometimes"}, err: "delta, cumulative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.env)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.off {
				if c.logs != nil || c.metrics != nil || c.traces != nil {
					t.Fatalf("signals on: %+v", c)
				}
				return
			}
			endpoint := func(e *exportConfig) string {
				if e == nil {
					return ""
				}
				return e.endpoint
			}
			if got := endpoint(c.logs); got != tt.logs {
				t.Errorf("logs endpoint %q, want %q", got, tt.logs)
			}
			if got := endpoint(c.traces); got != tt.traces {
				t.Errorf("traces endpoint %q, want %q", got, tt.traces)
			}
			if c.logs != nil && c.logs.protocol != tt.proto {
				t.Errorf("protocol %q, want %q", c.logs.protocol, tt.proto)
			}
			if c.timeout != tt.timeout {
				t.Errorf("timeout %v, want %v", c.timeout, tt.timeout)
			}
		})
	}
}

func TestParseKeyValues(t *testing.T) {
	got, err := parseKeyValues("X", " a=1, b = x%20y ,,c=p+q=r")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"a", "1"}, {"b", "x y"}, {"c", "p+q=r"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func TestNewNil(t *testing.T) {
	for _, env := range []map[string]string{
		{},
		{EnvEndpoint: "http://127.0.0.1:1", EnvSDKDisabled: "true"},
		{EnvEndpoint: "http://127.0.0.1:1", "OTEL_LOGS_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_TRACES_EXPORTER": "none"},
	} {
		s, err := New(context.Background(), env, "v1")
		if s != nil || err != nil {
			t.Errorf("New(%v) = %v, %v; want nil, nil", env, s, err)
		}
	}
	// A nil *Sink is a valid, silent sink.
	var s *Sink
	if err := s.Finished(context.Background(), launch.RunInfo{}, recorder.Entry{}); err != nil {
		t.Error(err)
	}
	if s.TraceParent(launch.RunInfo{RunID: "x"}) != "" || s.Shutdown(context.Background()) != nil {
		t.Error("nil sink not silent")
	}
}
