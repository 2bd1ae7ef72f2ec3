// Package otlp sends ccq's runs to an OpenTelemetry backend over OTLP, with
// the official Go SDK: for each run one log record, one span and points on
// five metrics. It implements launch.Sink, and `ccq export otlp` uses it to
// send history lines written before (a backfill).
//
// # What a run sends
//
// A log record (event name "ccq.run") whose body is the run's history line,
// the exact JSON that history.jsonl holds, without its newline; its time is
// the run's end, its severity INFO for a success and ERROR otherwise, and
// its trace and span ids those of the run's span. Attributes:
//
//	cicd.pipeline.name       task_id
//	cicd.pipeline.run.id     run_id
//	cicd.pipeline.result     see below
//	log.record.uid           run_id (a hash of the line when it has none), for de-duplication
//	ccq.outcome              the outcome category (recorder.Categorize), as every ccq output counts it
//	ccq.success              success
//	ccq.error.type           error_type (when the run failed)
//	ccq.error.detail         error_detail
//	ccq.tokens               tokens, and ccq.tokens.{input,output,cache_creation,cache_read} from usage
//	ccq.tokens.source        tokens_source
//	ccq.cost_usd             cost_usd
//	ccq.duration_s           duration_s
//	ccq.exit_code            exit_code
//	ccq.session.id, ccq.model, ccq.turns, ccq.recorded_by, ccq.log_file
//	ccq.attempt              the extra "attempt"
//	ccq.extra.<key>          any other extra of a string, number or boolean type
//	error.type               error_type when the run failed ("_OTHER" when it has none)
//
// and the GenAI semantic conventions' (semconv v1.41.0), a run being one
// invoke_agent operation of Claude Code:
//
//	gen_ai.operation.name    "invoke_agent"
//	gen_ai.provider.name     "anthropic"
//	gen_ai.agent.name        task_id
//	gen_ai.conversation.id   session_id
//	gen_ai.request.model     the model that answered first (fp's models), else model
//	gen_ai.response.model    model (the last real answer's)
//	gen_ai.usage.input_tokens                  usage input + cache_read + cache_creation
//	gen_ai.usage.output_tokens                 usage output
//	gen_ai.usage.cache_read.input_tokens       usage cache_read
//	gen_ai.usage.cache_creation.input_tokens   usage cache_creation
//
// The usage attributes are left out when the line has no usage (an
// estimate is no token count); Anthropic's input_tokens exclude the cached
// tokens, and the conventions count them in.
//
// cicd.pipeline.result, from the CICD semantic conventions' values:
//
//	ccq.outcome (recorder.Categorize)   cicd.pipeline.result
//	success                             success
//	exit_error                          failure   Claude Code ended the run unsuccessfully
//	timeout                             timeout   ccq's deadline ended the run
//	exception                           error     cut short from outside, or could not start
//	other (another or no error_type)    failure
//
// A span named after the task, from the run's start to its end, with the
// attributes above and status Ok, or Error with "<error_type>: <detail>".
// (Neither the CICD name, "RUN <task>", nor the GenAI one,
// "invoke_agent <task>", replaces the task's: both views select spans by
// their attributes.)
// Its trace id and span id are derived from the run id (SHA-256), so that
// TRACEPARENT can be given to claude before the run starts and a
// backfilled log record names the same trace.
//
// Metrics, each with cicd.pipeline.name (the task):
//
//	ccq.run.duration   histogram, s        also by cicd.pipeline.result
//	ccq.runs           counter, {run}      also by cicd.pipeline.result
//	ccq.tokens         counter, {token}    the history's tokens
//	ccq.cost           counter, USD        only runs with a cost_usd
//
// and the GenAI conventions' gen_ai.client.token.usage, a histogram of
// {token} by gen_ai.token.type (input, counted as the span's
// gen_ai.usage.input_tokens, and output), with gen_ai.operation.name,
// gen_ai.provider.name, the request and response models and
// cicd.pipeline.name; only runs with a usage.
//
// Temporality is delta unless OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
// is cumulative: every `ccq launch` is a process of its own, and cumulative
// series that restart at 1 in every process read as resets, not as sums.
//
// The resource: service.name "ccq" (OTEL_SERVICE_NAME, else a service.name
// in OTEL_RESOURCE_ATTRIBUTES, wins), service.version (ccq's version),
// host.name, telemetry.sdk.*, and OTEL_RESOURCE_ATTRIBUTES.
//
// # Configuration
//
// New reads only the env map it is given (ccq passes its environment):
//
//	OTEL_SDK_DISABLED=true              nothing is sent (New returns nil)
//	OTEL_EXPORTER_OTLP_ENDPOINT         base URL; /v1/logs, /v1/metrics, /v1/traces are added for HTTP
//	OTEL_EXPORTER_OTLP_{LOGS,METRICS,TRACES}_ENDPOINT
//	                                    one signal's full URL; a signal with no endpoint is not sent,
//	                                    and with none at all New returns nil
//	OTEL_{LOGS,METRICS,TRACES}_EXPORTER=none   that signal is not sent
//	OTEL_EXPORTER_OTLP[_SIGNAL]_PROTOCOL       http/protobuf (default) or grpc; http/json is refused
//	OTEL_EXPORTER_OTLP[_SIGNAL]_HEADERS        k=v,k2=v2, values percent-encoded
//	OTEL_EXPORTER_OTLP[_SIGNAL]_TIMEOUT        milliseconds
//	OTEL_EXPORTER_OTLP[_SIGNAL]_COMPRESSION    gzip or none
//	OTEL_EXPORTER_OTLP[_SIGNAL]_INSECURE       for a gRPC endpoint given as host:port
//	OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE  delta (default here), cumulative, lowmemory
//	OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
//	CCQ_OTEL_TIMEOUT                    bound on one export, a Go duration; default 2s, or
//	                                    OTEL_EXPORTER_OTLP_TIMEOUT when that is set
//
// The TLS settings (OTEL_EXPORTER_OTLP_CERTIFICATE, …_CLIENT_CERTIFICATE,
// …_CLIENT_KEY) are read by the SDK's exporters from the process
// environment.
//
// # Discipline
//
// Nothing runs in the background. Finished builds the three signals and
// exports them at once, synchronously, and returns when the backend has
// answered or the bound has passed: CCQ_OTEL_TIMEOUT (2 s) or the
// context's deadline, whichever is sooner. A refused, failed or unanswered
// export is an error naming the signals that failed; the run, its exit
// code and its history line never depend on it. A failed export is not
// kept for later: the history is the record, and `ccq export otlp` can
// send its lines again (log.record.uid lets a backend drop duplicates).
//
// # Wiring (for cmd/ccq launch)
//
//	s, err := otlp.New(ctx, a.env, buildVersion())   // err: warn "otlp export off: …", go on
//	if s != nil {
//		defer s.Shutdown(ctxWithTimeout(2s))
//		o.Sinks = append(o.Sinks, s)
//		childEnv["TRACEPARENT"] = s.TraceParent(launch.RunInfo{RunID: runID}) // when not ""
//	}
//
// TRACEPARENT depends on the run id only (TraceParent(runID) is the same
// value), so it can be computed when the run id is chosen, before Started.
// Claude Code's own OpenTelemetry export (CLAUDE_CODE_ENABLE_TELEMETRY=1
// and its OTEL_* settings, which the child inherits) can then join the
// run's trace as children of the run's span.
package otlp
