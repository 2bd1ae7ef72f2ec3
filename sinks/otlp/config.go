package otlp

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/redact"
)

// The environment variables the sink reads, all from the env map given to
// New. The OTEL_* ones have the meaning the OpenTelemetry specification
// gives them; CCQ_OTEL_TIMEOUT is ccq's own.
const (
	EnvSDKDisabled        = "OTEL_SDK_DISABLED"
	EnvServiceName        = "OTEL_SERVICE_NAME"
	EnvResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES"
	EnvTemporality        = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"

	// The OTLP settings: each also exists per signal, with LOGS_, METRICS_
	// or TRACES_ after OTEL_EXPORTER_OTLP_, and the per-signal one wins.
	EnvEndpoint    = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvProtocol    = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvHeaders     = "OTEL_EXPORTER_OTLP_HEADERS"
	EnvTimeout     = "OTEL_EXPORTER_OTLP_TIMEOUT" // milliseconds
	EnvCompression = "OTEL_EXPORTER_OTLP_COMPRESSION"
	EnvInsecure    = "OTEL_EXPORTER_OTLP_INSECURE" // gRPC without a scheme only

	// EnvFlushTimeout bounds each export (a Go duration: "2s", "500ms"):
	// the most Finished waits for the backend. Default DefaultTimeout, or
	// OTEL_EXPORTER_OTLP_TIMEOUT when that is set.
	EnvFlushTimeout = "CCQ_OTEL_TIMEOUT"
)

// DefaultTimeout is how long Finished waits for the backend when neither
// CCQ_OTEL_TIMEOUT nor OTEL_EXPORTER_OTLP_TIMEOUT says otherwise: a run's
// export must not hold up the next cron job.
const DefaultTimeout = 2 * time.Second

// The protocols the exporters speak. http/json is not supported by the Go
// SDK's log and metric exporters.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// signal is one of the three OTLP signals, as named in env vars and paths.
type signal struct {
	name     string // LOGS, METRICS, TRACES
	path     string // /v1/logs, … appended to the generic endpoint for HTTP
	exporter string // OTEL_LOGS_EXPORTER, …: "none" turns the signal off
}

var (
	sigLogs    = signal{"LOGS", "/v1/logs", "OTEL_LOGS_EXPORTER"}
	sigMetrics = signal{"METRICS", "/v1/metrics", "OTEL_METRICS_EXPORTER"}
	sigTraces  = signal{"TRACES", "/v1/traces", "OTEL_TRACES_EXPORTER"}
)

// exportConfig is one signal's exporter settings, resolved from the env.
type exportConfig struct {
	protocol    string
	endpoint    string // a full URL for HTTP; for gRPC a URL or host:port
	hostPort    bool   // gRPC endpoint given without a scheme
	insecure    bool   // only meaningful with hostPort
	headers     map[string]string
	timeout     time.Duration
	compression string // "gzip" or ""
}

// config is everything New reads from the env.
type config struct {
	logs, metrics, traces *exportConfig // nil: the signal is off
	timeout               time.Duration
	serviceName           string
	resourceAttrs         [][2]string // OTEL_RESOURCE_ATTRIBUTES, in order
	cumulative            bool
}

// perSignal returns the per-signal variable when set, else the generic one.
func perSignal(env map[string]string, generic string, s signal) (string, bool) {
	specific := strings.Replace(generic, "OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_"+s.name+"_", 1)
	if v := strings.TrimSpace(env[specific]); v != "" {
		return v, true
	}
	return strings.TrimSpace(env[generic]), false
}

// parseConfig reads the env. It returns a config with every signal off when
// the SDK is disabled or no endpoint is set.
func parseConfig(env map[string]string) (config, error) {
	var c config
	if strings.EqualFold(strings.TrimSpace(env[EnvSDKDisabled]), "true") {
		return c, nil
	}
	c.timeout = DefaultTimeout
	if v := strings.TrimSpace(env[EnvTimeout]); v != "" {
		d, err := parseMillis(EnvTimeout, v)
		if err != nil {
			return c, err
		}
		c.timeout = d
	}
	if v := strings.TrimSpace(env[EnvFlushTimeout]); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s: want a positive duration such as 2s, not %q", EnvFlushTimeout, v)
		}
		c.timeout = d
	}
	for _, s := range []struct {
		sig signal
		dst **exportConfig
	}{{sigLogs, &c.logs}, {sigMetrics, &c.metrics}, {sigTraces, &c.traces}} {
		ec, err := parseSignal(env, s.sig, c.timeout)
		if err != nil {
			return c, err
		}
		*s.dst = ec
	}
	c.serviceName = strings.TrimSpace(env[EnvServiceName])
	var err error
	if c.resourceAttrs, err = parseKeyValues(EnvResourceAttributes, env[EnvResourceAttributes]); err != nil {
		return c, err
	}
	switch t := strings.ToLower(strings.TrimSpace(env[EnvTemporality])); t {
	case "", "delta", "lowmemory":
	case "cumulative":
		c.cumulative = true
	default:
		return c, fmt.Errorf("%s: want delta, cumulative or lowmemory, not %q", EnvTemporality, t)
	}
	return c, nil
}

// parseSignal resolves one signal's exporter; nil when it has no endpoint
// or its OTEL_<SIGNAL>_EXPORTER is "none".
func parseSignal(env map[string]string, s signal, flush time.Duration) (*exportConfig, error) {
	if strings.EqualFold(strings.TrimSpace(env[s.exporter]), "none") {
		return nil, nil
	}
	endpoint, specific := perSignal(env, EnvEndpoint, s)
	if endpoint == "" {
		return nil, nil
	}
	ec := &exportConfig{protocol: ProtocolHTTP, timeout: flush}
	if p, _ := perSignal(env, EnvProtocol, s); p != "" {
		ec.protocol = p
	}
	switch ec.protocol {
	case ProtocolHTTP, ProtocolGRPC:
	default:
		return nil, fmt.Errorf("%s: protocol %q is not supported (use %s or %s)", EnvProtocol, ec.protocol, ProtocolHTTP, ProtocolGRPC)
	}
	if v, _ := perSignal(env, EnvTimeout, s); v != "" {
		d, err := parseMillis(EnvTimeout, v)
		if err != nil {
			return nil, err
		}
		// Never longer than the bound Finished promises.
		ec.timeout = min(d, flush)
	}
	hv, _ := perSignal(env, EnvHeaders, s)
	kvs, err := parseKeyValues(EnvHeaders, hv)
	if err != nil {
		return nil, err
	}
	if len(kvs) > 0 {
		ec.headers = make(map[string]string, len(kvs))
		for _, kv := range kvs {
			ec.headers[kv[0]] = kv[1]
		}
	}
	switch v, _ := perSignal(env, EnvCompression, s); strings.ToLower(v) {
	case "", "none":
	case "gzip":
		ec.compression = "gzip"
	default:
		return nil, fmt.Errorf("%s: want gzip or none, not %q", EnvCompression, v)
	}
	if v, _ := perSignal(env, EnvInsecure, s); v != "" {
		ec.insecure, _ = strconv.ParseBool(v)
	}

	u, err := url.Parse(endpoint)
	hasScheme := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	switch {
	case hasScheme && ec.protocol == ProtocolHTTP && !specific:
		// The generic endpoint is a base URL: the signal's path goes after
		// whatever path it has.
		u.Path = strings.TrimSuffix(u.Path, "/") + s.path
		ec.endpoint = u.String()
	case hasScheme:
		ec.endpoint = endpoint
	case ec.protocol == ProtocolGRPC && !strings.Contains(endpoint, "/"):
		ec.endpoint, ec.hostPort = endpoint, true
	default:
		name := EnvEndpoint
		if specific {
			name = strings.Replace(EnvEndpoint, "OTLP_", "OTLP_"+s.name+"_", 1)
		}
		return nil, fmt.Errorf("%s: want a URL such as http://localhost:4318, not %s", name, redact.URL(endpoint))
	}
	return ec, nil
}

// parseMillis reads an OTEL_*_TIMEOUT: a whole number of milliseconds.
func parseMillis(name, v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s: want a positive number of milliseconds, not %q", name, v)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// parseKeyValues reads the W3C-baggage-like list the spec uses for
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS:
// key1=value1,key2=value2 with percent-encoded values.
func parseKeyValues(name, s string) ([][2]string, error) {
	var out [][2]string
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		shown := strconv.Quote(item)
		if strings.HasSuffix(name, "_HEADERS") {
			shown = "an item" // a header's value is a credential
		}
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: want key=value pairs separated by commas, not %s", name, shown)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %s: bad percent-encoding", name, shown)
		}
		out = append(out, [2]string{k, dv})
	}
	return out, nil
}
