package otelcoltest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// genAILine is what the GenAI attributes are worked out from, read from a
// history line's JSON here rather than by the sink's own code.
type genAILine struct {
	TaskID    string  `json:"task_id"`
	Success   bool    `json:"success"`
	ErrorType *string `json:"error_type"`
	SessionID string  `json:"session_id"`
	Model     string  `json:"model"`
	Usage     *struct {
		Input         int64 `json:"input"`
		Output        int64 `json:"output"`
		CacheCreation int64 `json:"cache_creation"`
		CacheRead     int64 `json:"cache_read"`
	} `json:"usage"`
	FP struct {
		Models string `json:"models"`
	} `json:"fp"`
}

func genAIOf(line []byte) genAILine {
	var g genAILine
	if err := json.Unmarshal(line, &g); err != nil {
		panic(err)
	}
	return g
}

// inputTokens: Anthropic's input_tokens leave the cache out, the GenAI
// conventions' count it in.
func (g genAILine) inputTokens() int64 {
	return g.Usage.Input + g.Usage.CacheRead + g.Usage.CacheCreation
}

// want is the GenAI attributes the line must become (string values, as
// attrs renders them), and absent those it must not.
func (g genAILine) want() (want map[string]string, absent []string) {
	want = map[string]string{
		"gen_ai.operation.name": "invoke_agent",
		"gen_ai.provider.name":  "anthropic",
		"gen_ai.agent.name":     g.TaskID,
	}
	set := func(k, v string) {
		if v == "" {
			absent = append(absent, k)
			return
		}
		want[k] = v
	}
	set("gen_ai.conversation.id", g.SessionID)
	var models []string
	if g.FP.Models != "" {
		models = strings.Split(g.FP.Models, ",")
	}
	request, response := g.Model, g.Model
	if len(models) > 0 {
		request = models[0] // the model that answered first
		if response == "" {
			response = models[len(models)-1]
		}
	}
	set("gen_ai.request.model", request)
	set("gen_ai.response.model", response)
	errType := ""
	if !g.Success {
		errType = "_OTHER"
		if g.ErrorType != nil && *g.ErrorType != "" {
			errType = *g.ErrorType
		}
	}
	set("error.type", errType)
	usage := map[string]int64{}
	if g.Usage != nil {
		usage = map[string]int64{
			"gen_ai.usage.input_tokens":                g.inputTokens(),
			"gen_ai.usage.output_tokens":               g.Usage.Output,
			"gen_ai.usage.cache_read.input_tokens":     g.Usage.CacheRead,
			"gen_ai.usage.cache_creation.input_tokens": g.Usage.CacheCreation,
		}
	}
	for _, k := range []string{"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
		"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens"} {
		if n, ok := usage[k]; ok {
			want[k] = strconv.FormatInt(n, 10)
		} else {
			absent = append(absent, k)
		}
	}
	return want, absent
}

// checkGenAI asserts that a (a log record's or a span's attributes, as the
// Collector wrote them) has the GenAI attributes of line.
func checkGenAI(t *testing.T, what string, a map[string]string, line []byte) {
	t.Helper()
	want, absent := genAIOf(line).want()
	for k, w := range want {
		if a[k] != w {
			t.Errorf("%s: %s = %q, want %q", what, k, a[k], w)
		}
	}
	for _, k := range absent {
		if v, ok := a[k]; ok {
			t.Errorf("%s: %s = %q, want none", what, k, v)
		}
	}
}

// checkServedGenAI asserts that every log record and span c received
// carries the tokens and the model the API served (what the stand-in or
// the fake Messages API answered), counted as the GenAI conventions say,
// and a conversation id.
func checkServedGenAI(t *testing.T, c *collector, input, cacheRead, cacheCreation, output int64, model string) {
	t.Helper()
	var all []map[string]string
	for _, r := range c.logs(t) {
		all = append(all, attrs(r.Attributes))
	}
	for _, s := range c.spans(t) {
		all = append(all, attrs(s.Attributes))
	}
	want := map[string]string{
		"gen_ai.usage.input_tokens":                strconv.FormatInt(input+cacheRead+cacheCreation, 10),
		"gen_ai.usage.output_tokens":               strconv.FormatInt(output, 10),
		"gen_ai.usage.cache_read.input_tokens":     strconv.FormatInt(cacheRead, 10),
		"gen_ai.usage.cache_creation.input_tokens": strconv.FormatInt(cacheCreation, 10),
		"gen_ai.request.model":                     model,
		"gen_ai.response.model":                    model,
	}
	for _, a := range all {
		for k, w := range want {
			if a[k] != w {
				t.Errorf("%s = %q, want %q (served)", k, a[k], w)
			}
		}
		if a["gen_ai.conversation.id"] == "" {
			t.Errorf("no gen_ai.conversation.id in %v", a)
		}
	}
	if len(all) == 0 {
		t.Error("no log record or span to check")
	}
}
