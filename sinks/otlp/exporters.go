package otlp

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Every option the env map decides is passed explicitly, so it wins over
// what the exporters would read from the process environment themselves.
// (They still read the TLS file settings, OTEL_EXPORTER_OTLP_CERTIFICATE
// and OTEL_EXPORTER_OTLP_CLIENT_*, from there: ccq passes its own
// environment as the env map, so the two agree outside tests.)

// retryFor retries a refused or throttled export within the bound only:
// short waits, never past the export's own deadline.
func retryFor(c *exportConfig) (enabled bool, initial, maxInterval, maxElapsed time.Duration) {
	return true, 100 * time.Millisecond, c.timeout / 2, c.timeout
}

// Each signal's gRPC and HTTP exporter package has option types of its
// own; a kit names one package's constructors, so that what the config
// decides is decided once, in grpcOptions and httpOptions, for all three
// signals.
type grpcKit[O any] struct {
	timeout     func(time.Duration) O
	retry       func(enabled bool, initial, maxInterval, maxElapsed time.Duration) O
	endpoint    func(string) O
	endpointURL func(string) O
	insecure    func() O
	headers     func(map[string]string) O
	compressor  func(string) O
}

type httpKit[O any] struct {
	timeout     func(time.Duration) O
	retry       func(enabled bool, initial, maxInterval, maxElapsed time.Duration) O
	endpointURL func(string) O
	headers     func(map[string]string) O
	gzip        func(on bool) O
}

// grpcOptions are an OTLP/gRPC exporter's options from c: a host:port
// endpoint (insecure when the config says so) or a URL, the headers and
// the compressor.
func grpcOptions[O any](c *exportConfig, k grpcKit[O]) []O {
	opts := []O{k.timeout(c.timeout), k.retry(retryFor(c))}
	if c.hostPort {
		opts = append(opts, k.endpoint(c.endpoint))
		if c.insecure {
			opts = append(opts, k.insecure())
		}
	} else {
		opts = append(opts, k.endpointURL(c.endpoint))
	}
	if c.headers != nil {
		opts = append(opts, k.headers(c.headers))
	}
	if c.compression != "" {
		opts = append(opts, k.compressor(c.compression))
	}
	return opts
}

// httpOptions are an OTLP/HTTP exporter's options from c.
func httpOptions[O any](c *exportConfig, k httpKit[O]) []O {
	opts := []O{k.endpointURL(c.endpoint), k.timeout(c.timeout), k.retry(retryFor(c))}
	if c.headers != nil {
		opts = append(opts, k.headers(c.headers))
	}
	return append(opts, k.gzip(c.compression == "gzip"))
}

var (
	logGRPC = grpcKit[otlploggrpc.Option]{
		timeout: otlploggrpc.WithTimeout, endpoint: otlploggrpc.WithEndpoint, endpointURL: otlploggrpc.WithEndpointURL,
		insecure: otlploggrpc.WithInsecure, headers: otlploggrpc.WithHeaders, compressor: otlploggrpc.WithCompressor,
		retry: func(on bool, ini, mx, el time.Duration) otlploggrpc.Option {
			return otlploggrpc.WithRetry(otlploggrpc.RetryConfig{Enabled: on, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el})
		},
	}
	logHTTP = httpKit[otlploghttp.Option]{
		timeout: otlploghttp.WithTimeout, endpointURL: otlploghttp.WithEndpointURL, headers: otlploghttp.WithHeaders,
		retry: func(on bool, ini, mx, el time.Duration) otlploghttp.Option {
			return otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: on, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el})
		},
		gzip: func(on bool) otlploghttp.Option {
			if on {
				return otlploghttp.WithCompression(otlploghttp.GzipCompression)
			}
			return otlploghttp.WithCompression(otlploghttp.NoCompression)
		},
	}
	metricGRPC = grpcKit[otlpmetricgrpc.Option]{
		timeout: otlpmetricgrpc.WithTimeout, endpoint: otlpmetricgrpc.WithEndpoint, endpointURL: otlpmetricgrpc.WithEndpointURL,
		insecure: otlpmetricgrpc.WithInsecure, headers: otlpmetricgrpc.WithHeaders, compressor: otlpmetricgrpc.WithCompressor,
		retry: func(on bool, ini, mx, el time.Duration) otlpmetricgrpc.Option {
			return otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: on, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el})
		},
	}
	metricHTTP = httpKit[otlpmetrichttp.Option]{
		timeout: otlpmetrichttp.WithTimeout, endpointURL: otlpmetrichttp.WithEndpointURL, headers: otlpmetrichttp.WithHeaders,
		retry: func(on bool, ini, mx, el time.Duration) otlpmetrichttp.Option {
			return otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: on, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el})
		},
		gzip: func(on bool) otlpmetrichttp.Option {
			if on {
				return otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression)
			}
			return otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression)
		},
	}
	traceGRPC = grpcKit[otlptracegrpc.Option]{
		timeout: otlptracegrpc.WithTimeout, endpoint: otlptracegrpc.WithEndpoint, endpointURL: otlptracegrpc.WithEndpointURL,
		insecure: otlptracegrpc.WithInsecure, headers: otlptracegrpc.WithHeaders, compressor: otlptracegrpc.WithCompressor,
		retry: func(on bool, ini, mx, el time.Duration) otlptracegrpc.Option {
			return otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: on, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el})
		},
	}
	traceHTTP = httpKit[otlptracehttp.Option]{
		timeout: otlptracehttp.WithTimeout, endpointURL: otlptracehttp.WithEndpointURL, headers: otlptracehttp.WithHeaders,
		retry: func(on bool, ini, mx, el time.Duration) otlptracehttp.Option {
			return otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: on, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el})
		},
		gzip: func(on bool) otlptracehttp.Option {
			if on {
				return otlptracehttp.WithCompression(otlptracehttp.GzipCompression)
			}
			return otlptracehttp.WithCompression(otlptracehttp.NoCompression)
		},
	}
)

func newLogExporter(ctx context.Context, c *exportConfig) (sdklog.Exporter, error) {
	if c.protocol == ProtocolGRPC {
		return otlploggrpc.New(ctx, grpcOptions(c, logGRPC)...)
	}
	return otlploghttp.New(ctx, httpOptions(c, logHTTP)...)
}

func newMetricExporter(ctx context.Context, c *exportConfig, temporality sdkmetric.TemporalitySelector) (sdkmetric.Exporter, error) {
	if c.protocol == ProtocolGRPC {
		return otlpmetricgrpc.New(ctx, append(grpcOptions(c, metricGRPC), otlpmetricgrpc.WithTemporalitySelector(temporality))...)
	}
	return otlpmetrichttp.New(ctx, append(httpOptions(c, metricHTTP), otlpmetrichttp.WithTemporalitySelector(temporality))...)
}

func newSpanExporter(ctx context.Context, c *exportConfig) (sdktrace.SpanExporter, error) {
	if c.protocol == ProtocolGRPC {
		return otlptracegrpc.New(ctx, grpcOptions(c, traceGRPC)...)
	}
	return otlptracehttp.New(ctx, httpOptions(c, traceHTTP)...)
}

// deltaTemporality makes every instrument report what happened since the
// previous export. ccq launch is one process per run: with cumulative
// temporality every process would start a new series at 1, which backends
// read as a counter reset, not as runs adding up.
func deltaTemporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}
