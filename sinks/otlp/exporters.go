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

func newLogExporter(ctx context.Context, c *exportConfig) (sdklog.Exporter, error) {
	en, ini, mx, el := retryFor(c)
	if c.protocol == ProtocolGRPC {
		opts := []otlploggrpc.Option{
			otlploggrpc.WithTimeout(c.timeout),
			otlploggrpc.WithRetry(otlploggrpc.RetryConfig{Enabled: en, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el}),
		}
		if c.hostPort {
			opts = append(opts, otlploggrpc.WithEndpoint(c.endpoint))
			if c.insecure {
				opts = append(opts, otlploggrpc.WithInsecure())
			}
		} else {
			opts = append(opts, otlploggrpc.WithEndpointURL(c.endpoint))
		}
		if c.headers != nil {
			opts = append(opts, otlploggrpc.WithHeaders(c.headers))
		}
		if c.compression != "" {
			opts = append(opts, otlploggrpc.WithCompressor(c.compression))
		}
		return otlploggrpc.New(ctx, opts...)
	}
	opts := []otlploghttp.Option{
		otlploghttp.WithEndpointURL(c.endpoint),
		otlploghttp.WithTimeout(c.timeout),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: en, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el}),
	}
	if c.headers != nil {
		opts = append(opts, otlploghttp.WithHeaders(c.headers))
	}
	if c.compression == "gzip" {
		opts = append(opts, otlploghttp.WithCompression(otlploghttp.GzipCompression))
	} else {
		opts = append(opts, otlploghttp.WithCompression(otlploghttp.NoCompression))
	}
	return otlploghttp.New(ctx, opts...)
}

func newMetricExporter(ctx context.Context, c *exportConfig, temporality sdkmetric.TemporalitySelector) (sdkmetric.Exporter, error) {
	en, ini, mx, el := retryFor(c)
	if c.protocol == ProtocolGRPC {
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithTimeout(c.timeout),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{Enabled: en, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el}),
			otlpmetricgrpc.WithTemporalitySelector(temporality),
		}
		if c.hostPort {
			opts = append(opts, otlpmetricgrpc.WithEndpoint(c.endpoint))
			if c.insecure {
				opts = append(opts, otlpmetricgrpc.WithInsecure())
			}
		} else {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(c.endpoint))
		}
		if c.headers != nil {
			opts = append(opts, otlpmetricgrpc.WithHeaders(c.headers))
		}
		if c.compression != "" {
			opts = append(opts, otlpmetricgrpc.WithCompressor(c.compression))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	}
	opts := []otlpmetrichttp.Option{
		otlpmetrichttp.WithEndpointURL(c.endpoint),
		otlpmetrichttp.WithTimeout(c.timeout),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: en, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el}),
		otlpmetrichttp.WithTemporalitySelector(temporality),
	}
	if c.headers != nil {
		opts = append(opts, otlpmetrichttp.WithHeaders(c.headers))
	}
	if c.compression == "gzip" {
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
	} else {
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

func newSpanExporter(ctx context.Context, c *exportConfig) (sdktrace.SpanExporter, error) {
	en, ini, mx, el := retryFor(c)
	if c.protocol == ProtocolGRPC {
		opts := []otlptracegrpc.Option{
			otlptracegrpc.WithTimeout(c.timeout),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: en, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el}),
		}
		if c.hostPort {
			opts = append(opts, otlptracegrpc.WithEndpoint(c.endpoint))
			if c.insecure {
				opts = append(opts, otlptracegrpc.WithInsecure())
			}
		} else {
			opts = append(opts, otlptracegrpc.WithEndpointURL(c.endpoint))
		}
		if c.headers != nil {
			opts = append(opts, otlptracegrpc.WithHeaders(c.headers))
		}
		if c.compression != "" {
			opts = append(opts, otlptracegrpc.WithCompressor(c.compression))
		}
		return otlptracegrpc.New(ctx, opts...)
	}
	opts := []otlptracehttp.Option{
		otlptracehttp.WithEndpointURL(c.endpoint),
		otlptracehttp.WithTimeout(c.timeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: en, InitialInterval: ini, MaxInterval: mx, MaxElapsedTime: el}),
	}
	if c.headers != nil {
		opts = append(opts, otlptracehttp.WithHeaders(c.headers))
	}
	if c.compression == "gzip" {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	} else {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.NoCompression))
	}
	return otlptracehttp.New(ctx, opts...)
}

// deltaTemporality makes every instrument report what happened since the
// previous export. ccq launch is one process per run: with cumulative
// temporality every process would start a new series at 1, which backends
// read as a counter reset, not as runs adding up.
func deltaTemporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}
