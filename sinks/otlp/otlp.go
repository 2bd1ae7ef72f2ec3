package otlp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/log"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of everything ccq sends.
const scope = "github.com/ccq-dev/ccq/sinks/otlp"

// MaxBatch is how many log records one Flush request carries at most.
const MaxBatch = 512

// Sink sends ccq's runs to an OTLP backend. It implements launch.Sink.
// Nothing is sent in the background: Finished and Flush export what they
// have, synchronously, within the export timeout, so a process that
// returns from them has nothing left in flight.
type Sink struct {
	cfg     config
	timeout time.Duration

	logExp  sdklog.Exporter // nil when logs are off
	lp      *sdklog.LoggerProvider
	logger  log.Logger
	logs    *collector[sdklog.Record]
	spanExp sdktrace.SpanExporter // nil when traces are off
	tp      *sdktrace.TracerProvider
	tracer  trace.Tracer
	spans   *collector[sdktrace.ReadOnlySpan]
	metExp  sdkmetric.Exporter // nil when metrics are off
	mp      *sdkmetric.MeterProvider
	reader  *sdkmetric.ManualReader
	inst    instruments

	exportMu sync.Mutex // one export at a time: a manual reader's deltas must not interleave

	// secrets are what the endpoints and headers hold: the exporters'
	// errors name the endpoint, a token in its path included.
	secrets []string
}

var (
	_ launch.Sink  = (*Sink)(nil)
	_ launch.Namer = (*Sink)(nil)
)

// New builds a Sink from the OTEL_* variables in env (see the package
// doc); version is ccq's, sent as service.version. It returns nil, nil
// when OTEL_SDK_DISABLED is true or no OTLP endpoint is set, and an error
// for settings it cannot use (an unknown protocol, a malformed endpoint,
// header list or timeout). It connects to nothing: the first export does.
func New(ctx context.Context, env map[string]string, version string) (*Sink, error) {
	cfg, err := parseConfig(env)
	if err != nil {
		return nil, err
	}
	if cfg.logs == nil && cfg.metrics == nil && cfg.traces == nil {
		return nil, nil
	}
	res, err := newResource(ctx, cfg, version)
	if err != nil {
		return nil, err
	}
	s := &Sink{cfg: cfg, timeout: cfg.timeout, secrets: secretsOf(cfg)}
	fail := func(err error) (*Sink, error) {
		_ = s.Shutdown(context.Background())
		return nil, s.scrub(err)
	}
	if cfg.logs != nil {
		if s.logExp, err = newLogExporter(ctx, cfg.logs); err != nil {
			return fail(fmt.Errorf("otlp logs exporter: %w", err))
		}
		s.logs = &collector[sdklog.Record]{}
		s.lp = sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(logCollector{s.logs}))
		s.logger = s.lp.Logger(scope, log.WithInstrumentationVersion(version))
	}
	if cfg.traces != nil {
		if s.spanExp, err = newSpanExporter(ctx, cfg.traces); err != nil {
			return fail(fmt.Errorf("otlp traces exporter: %w", err))
		}
		s.spans = &collector[sdktrace.ReadOnlySpan]{}
		s.tp = sdktrace.NewTracerProvider(
			sdktrace.WithResource(res),
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithIDGenerator(idGenerator{}),
			sdktrace.WithSpanProcessor(spanCollector{s.spans}))
		s.tracer = s.tp.Tracer(scope, trace.WithInstrumentationVersion(version))
	}
	if cfg.metrics != nil {
		temporality := sdkmetric.TemporalitySelector(deltaTemporality)
		if cfg.cumulative {
			temporality = sdkmetric.DefaultTemporalitySelector
		}
		if s.metExp, err = newMetricExporter(ctx, cfg.metrics, temporality); err != nil {
			return fail(fmt.Errorf("otlp metrics exporter: %w", err))
		}
		s.reader = sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(temporality))
		s.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(s.reader))
		if s.inst, err = newInstruments(s.mp.Meter(scope, otelmetric.WithInstrumentationVersion(version))); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// newResource is service.name (OTEL_SERVICE_NAME, else a service.name in
// OTEL_RESOURCE_ATTRIBUTES, else "ccq"), service.version, host.name and the
// SDK's own attributes, with OTEL_RESOURCE_ATTRIBUTES over the defaults.
func newResource(ctx context.Context, cfg config, version string) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{attribute.String("service.name", "ccq")}
	if version != "" {
		attrs = append(attrs, attribute.String("service.version", version))
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		attrs = append(attrs, attribute.String("host.name", h))
	}
	for _, kv := range cfg.resourceAttrs {
		attrs = append(attrs, attribute.String(kv[0], kv[1]))
	}
	if cfg.serviceName != "" {
		attrs = append(attrs, attribute.String("service.name", cfg.serviceName))
	}
	// attribute sets keep the last value of a key; resource.New reads no
	// environment variable without WithFromEnv, so the env map decides.
	return resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(attrs...))
}

// TraceParent is the value for TRACEPARENT in claude's environment, so
// that the spans Claude Code sends join the run's trace as children of the
// run's span. It is "" when traces are off (or s is nil). It depends on
// run.RunID only and can be called before Started.
func (s *Sink) TraceParent(run launch.RunInfo) string {
	if s == nil || s.tracer == nil {
		return ""
	}
	return TraceParent(run.RunID)
}

// ChildEnv is what claude's environment needs from this sink:
// TRACEPARENT naming the run's span, or nothing when traces are off. The
// launcher can merge it into the child's environment for any sink that has
// this method, once the run id is chosen.
func (s *Sink) ChildEnv(run launch.RunInfo) map[string]string {
	if tp := s.TraceParent(run); tp != "" {
		return map[string]string{"TRACEPARENT": tp}
	}
	return nil
}

// Started does nothing: the span's ids follow from the run id, and the
// span is sent, with its start time, when the run has finished.
func (s *Sink) Started(context.Context, launch.RunInfo) error { return nil }

// Finished sends the run: its history line as a log record, its span, and
// its points on the metrics, and waits for the backend's answers for at
// most the export timeout (CCQ_OTEL_TIMEOUT, default 2 s) or ctx's
// deadline, whichever is sooner. An error says which signals failed.
func (s *Sink) Finished(ctx context.Context, run launch.RunInfo, e recorder.Entry) error {
	if s == nil {
		return nil
	}
	now := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	line, err := e.Marshal()
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	if e.RunID == "" {
		e.RunID = run.RunID
	}
	// The span is the run as its line tells it: from claude's start (the
	// line's timestamp) for its duration_s, so the two always agree.
	start, end := runTimes(&e, run.Start)
	parent := trace.ContextWithSpanContext(ctx, runSpanContext(e.RunID))
	if s.tracer != nil {
		s.emitSpan(ctx, &e, start, end)
	}
	if s.logger != nil {
		rec := logRecord(line, &e, now)
		s.logger.Emit(parent, rec)
	}
	if s.mp != nil {
		s.record(ctx, &e)
	}
	return s.export(ctx)
}

// emitSpan ends the run's span with the ids TRACEPARENT named.
//
// The span is both a CICD pipeline run and a GenAI invoke_agent
// operation, and the two conventions name it differently ("RUN nightly",
// "invoke_agent nightly"). It keeps the task's name, as it always had:
// traces already found by it keep being found, and GenAI views select
// spans by their gen_ai.operation.name and gen_ai.provider.name, which
// the span carries from its start, not by their names.
func (s *Sink) emitSpan(ctx context.Context, e *recorder.Entry, start, end time.Time) {
	ctx = context.WithValue(ctx, runIDKey{}, e.RunID)
	_, span := s.tracer.Start(ctx, e.TaskID,
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(start),
		trace.WithAttributes(attributes(e)...))
	if e.Success {
		span.SetStatus(codes.Ok, "")
	} else {
		desc := string(e.ErrorType)
		if e.ErrorDetail != "" {
			desc += ": " + e.ErrorDetail
		}
		span.SetStatus(codes.Error, desc)
	}
	span.End(trace.WithTimestamp(end))
}

// export sends what the collectors hold, the three signals at once, so
// that the whole takes one timeout, not three.
func (s *Sink) export(ctx context.Context) error {
	s.exportMu.Lock()
	defer s.exportMu.Unlock()
	var wg sync.WaitGroup
	var errs [3]error
	if s.logExp != nil {
		wg.Go(func() { errs[0] = s.exportLogs(ctx) })
	}
	if s.spanExp != nil {
		wg.Go(func() {
			if spans := s.spans.take(); len(spans) > 0 {
				if err := s.spanExp.ExportSpans(ctx, spans); err != nil {
					errs[1] = fmt.Errorf("traces: %w", err)
				}
			}
		})
	}
	if s.metExp != nil {
		wg.Go(func() {
			var rm metricdata.ResourceMetrics
			if err := s.reader.Collect(ctx, &rm); err != nil {
				errs[2] = fmt.Errorf("metrics: %w", err)
				return
			}
			if err := s.metExp.Export(ctx, &rm); err != nil {
				errs[2] = fmt.Errorf("metrics: %w", err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return s.scrub(fmt.Errorf("otlp export: %w", err))
	}
	return nil
}

func (s *Sink) exportLogs(ctx context.Context) error {
	recs := s.logs.take()
	for len(recs) > 0 {
		n := min(len(recs), MaxBatch)
		if err := s.logExp.Export(ctx, recs[:n]); err != nil {
			return fmt.Errorf("logs: %w", err)
		}
		recs = recs[n:]
	}
	return nil
}

// SendLine queues one history line as a log record, as Finished would
// have sent it, for Flush to send: the body is line as given (without its
// newline), its time the run's end. It fails with a *LineError for a line
// that is not a history entry, and when logs are off. Call Flush every
// MaxBatch lines or so: the queue is in memory.
func (s *Sink) SendLine(ctx context.Context, line []byte) error {
	if s == nil || s.logger == nil {
		return errors.New("otlp: logs export is off (no logs endpoint, or OTEL_LOGS_EXPORTER=none)")
	}
	rec, e, err := LogRecord(line, time.Now())
	if err != nil {
		return &LineError{err}
	}
	pctx := ctx
	if e.RunID != "" {
		pctx = trace.ContextWithSpanContext(ctx, runSpanContext(e.RunID))
	}
	s.logger.Emit(pctx, rec)
	return nil
}

// LineError is SendLine's complaint about a line that is not a history
// entry.
type LineError struct{ Err error }

func (e *LineError) Error() string { return "not a history line: " + e.Err.Error() }
func (e *LineError) Unwrap() error { return e.Err }

// Flush sends the queued log records, each request within the export
// timeout.
func (s *Sink) Flush(ctx context.Context) error {
	if s == nil || s.logExp == nil {
		return nil
	}
	s.exportMu.Lock()
	defer s.exportMu.Unlock()
	for {
		recs := s.logs.takeN(MaxBatch)
		if len(recs) == 0 {
			return nil
		}
		tctx, cancel := context.WithTimeout(ctx, s.timeout)
		err := s.logExp.Export(tctx, recs)
		cancel()
		if err != nil {
			return s.scrub(fmt.Errorf("otlp export: logs: %w", err))
		}
	}
}

// Timeout is the bound on one export.
func (s *Sink) Timeout() time.Duration { return s.timeout }

// Shutdown releases the exporters (their connections). Everything was sent
// already; call it with a deadline before the process exits.
func (s *Sink) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.lp != nil {
		errs = append(errs, s.lp.Shutdown(ctx))
	}
	if s.logExp != nil {
		errs = append(errs, s.logExp.Shutdown(ctx))
	}
	if s.tp != nil {
		errs = append(errs, s.tp.Shutdown(ctx))
	}
	if s.spanExp != nil {
		errs = append(errs, s.spanExp.Shutdown(ctx))
	}
	if s.mp != nil {
		errs = append(errs, s.mp.Shutdown(ctx))
	}
	if s.metExp != nil {
		errs = append(errs, s.metExp.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
