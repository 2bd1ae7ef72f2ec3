package otlp

import (
	"context"
	"errors"

	"github.com/ccq-dev/ccq/recorder"
	"go.opentelemetry.io/otel/attribute"
	otelmetric "go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.41.0/genaiconv"
)

// instruments are the metrics a run adds to.
type instruments struct {
	duration otelmetric.Float64Histogram
	runs     otelmetric.Int64Counter
	tokens   otelmetric.Int64Counter
	cost     otelmetric.Float64Counter
	// genAITokens is the GenAI conventions' gen_ai.client.token.usage.
	genAITokens genaiconv.ClientTokenUsage
}

func newInstruments(m otelmetric.Meter) (instruments, error) {
	var in instruments
	var errs [5]error
	in.duration, errs[0] = m.Float64Histogram("ccq.run.duration",
		otelmetric.WithUnit("s"),
		otelmetric.WithDescription("Duration of ccq runs, from the launcher's start to the child's exit."),
		otelmetric.WithExplicitBucketBoundaries(1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400))
	in.runs, errs[1] = m.Int64Counter("ccq.runs",
		otelmetric.WithUnit("{run}"),
		otelmetric.WithDescription("ccq runs, by task and cicd.pipeline.result."))
	in.tokens, errs[2] = m.Int64Counter("ccq.tokens",
		otelmetric.WithUnit("{token}"),
		otelmetric.WithDescription("Tokens ccq runs used (input, output and cache, as the history's tokens field)."))
	in.cost, errs[3] = m.Float64Counter("ccq.cost",
		otelmetric.WithUnit("USD"),
		otelmetric.WithDescription("Cost of ccq runs where Claude Code reported it."))
	// The conventions' advised buckets (powers of 4 up to 4^13).
	in.genAITokens, errs[4] = genaiconv.NewClientTokenUsage(m,
		otelmetric.WithExplicitBucketBoundaries(1, 4, 16, 64, 256, 1024, 4096, 16384, 65536,
			262144, 1048576, 4194304, 16777216, 67108864))
	return in, errors.Join(errs[:]...)
}

// record adds the run to the metrics.
func (s *Sink) record(ctx context.Context, e *recorder.Entry) {
	task := attribute.String(keyPipelineName, e.TaskID)
	byResult := otelmetric.WithAttributes(task, attribute.String(keyPipelineResult, Result(e)))
	s.inst.duration.Record(ctx, max(e.DurationS, 0), byResult)
	s.inst.runs.Add(ctx, 1, byResult)
	s.inst.tokens.Add(ctx, max(e.Tokens, 0), otelmetric.WithAttributes(task))
	if e.CostUSD != nil && *e.CostUSD >= 0 {
		s.inst.cost.Add(ctx, *e.CostUSD, otelmetric.WithAttributes(task))
	}
	// A run is one invoke_agent operation: its input and output tokens,
	// counted as the span's gen_ai.usage.* attributes, where they are known.
	if u := e.Usage; u != nil {
		req, resp := models(e)
		attrs := []attribute.KeyValue{task}
		if req != "" {
			attrs = append(attrs, s.inst.genAITokens.AttrRequestModel(req))
		}
		if resp != "" {
			attrs = append(attrs, s.inst.genAITokens.AttrResponseModel(resp))
		}
		op, provider := genaiconv.OperationNameInvokeAgent, genaiconv.ProviderNameAnthropic
		s.inst.genAITokens.Record(ctx, inputTokens(*u), op, provider, genaiconv.TokenTypeInput, attrs...)
		s.inst.genAITokens.Record(ctx, max(u.Output, 0), op, provider, genaiconv.TokenTypeOutput, attrs...)
	}
}
