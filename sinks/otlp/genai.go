package otlp

import (
	"strings"

	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/recorder"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
)

// The GenAI semantic conventions, so that GenAI dashboards pick ccq's runs
// up beside the CICD view. The keys come from semconv v1.41.0, the last of
// the Go SDK's semconv packages that has them (v1.42.0 dropped gen_ai.*:
// the GenAI conventions now live in open-telemetry/semantic-conventions-genai,
// with the same keys); the cache_read and cache_creation token attributes
// are there since v1.40.0. ccq never sent GenAI attributes before, so the
// conventions' OTEL_SEMCONV_STABILITY_OPT_IN transition does not apply.
//
// A run is one invoke_agent operation: Claude Code, an agent, given the
// task's prompt. The agent is named after the task (gen_ai.agent.name),
// the conversation is Claude Code's session, and the provider is
// "anthropic": the history line does not say whether claude reached the
// API through Bedrock or Vertex, so ccq names the API claude speaks.

// genAIAttributes are the GenAI attributes of a run.
func genAIAttributes(e *recorder.Entry) []attribute.KeyValue {
	kv := []attribute.KeyValue{
		semconv.GenAIOperationNameInvokeAgent,
		semconv.GenAIProviderNameAnthropic,
	}
	add := func(k attribute.Key, v string) {
		if v != "" {
			kv = append(kv, k.String(v))
		}
	}
	add(semconv.GenAIAgentNameKey, e.TaskID)
	add(semconv.GenAIConversationIDKey, e.SessionID)
	req, resp := models(e)
	add(semconv.GenAIRequestModelKey, req)
	add(semconv.GenAIResponseModelKey, resp)
	// Counts only where the provider's usage was read (the transcript or
	// the result): an estimate from the output's length is no token count.
	if u := e.Usage; u != nil {
		kv = append(kv,
			semconv.GenAIUsageInputTokensKey.Int64(inputTokens(*u)),
			semconv.GenAIUsageOutputTokensKey.Int64(max(u.Output, 0)),
			semconv.GenAIUsageCacheReadInputTokensKey.Int64(max(u.CacheRead, 0)),
			semconv.GenAIUsageCacheCreationInputTokensKey.Int64(max(u.CacheCreation, 0)))
	}
	return kv
}

// inputTokens is gen_ai.usage.input_tokens: Anthropic's input_tokens
// leave the cached tokens out, and the conventions count them in
// (v1.40.0+: "This value SHOULD include all types of input tokens,
// including cached tokens"; the Anthropic page spells it input_tokens +
// cache_read_input_tokens + cache_creation_input_tokens).
func inputTokens(u recorder.Usage) int64 {
	return clamp.Add(clamp.Add(max(u.Input, 0), max(u.CacheRead, 0)), max(u.CacheCreation, 0))
}

// models are gen_ai.request.model and gen_ai.response.model. ccq does not
// see claude's requests: the request model is the one that answered the
// run's first turn (the fingerprint's models, in the order they answered:
// the model claude was told to use comes first, a fallback after it), and
// without a fingerprint (a hook's line) the run's model. The response
// model is the line's model, the one of the last real answer.
func models(e *recorder.Entry) (request, response string) {
	answered := fingerprintModels(e.Extra[fingerprint.Key])
	response = e.Model
	if response == "" && len(answered) > 0 {
		response = answered[len(answered)-1]
	}
	request = response
	if len(answered) > 0 {
		request = answered[0]
	}
	return request, response
}

// fingerprintModels reads the fingerprint's models part, as the launcher
// puts it in the line's extras (a map of strings) or as ParseLine reads it
// back (a map of any).
func fingerprintModels(fp any) []string {
	var s string
	switch fp := fp.(type) {
	case map[string]string:
		s = fp[fingerprint.PartModels]
	case fingerprint.FP:
		s = fp[fingerprint.PartModels]
	case map[string]any:
		s, _ = fp[fingerprint.PartModels].(string)
	}
	var out []string
	for _, m := range strings.Split(s, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}
