package recorder

import (
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// assistant takes one assistant line of the run: its usage (the last line
// of a message has the final values), model, where the main thread stands,
// and an API-error or usage-limit turn.
func (sc *transcriptScan) assistant(line []byte) {
	a := parseAssistant(line)
	if a.typ != "assistant" {
		return
	}
	// An API-error turn Claude Code wrote itself, or the usage-limit
	// message some versions write as a plain synthetic turn.
	usageLimit := (a.apiErrorMessage || a.model == "<synthetic>") && IsUsageLimit(a.text)
	if a.apiErrorMessage || usageLimit {
		sc.apiError = a.err
		if usageLimit && (sc.apiError == "" || sc.apiError == "unknown") {
			sc.apiError = "rate_limit"
		}
		if sc.apiError == "" {
			sc.apiError = "api_error"
		}
		sc.apiStatus = a.status
		sc.apiClass, sc.apiText = a.apiErr, a.text
		if usageLimit {
			sc.limitReset(a.text, a.timestamp)
		}
		sc.end = EndAnswered
		return
	}
	if a.id != "" && a.hasUsage {
		if _, ok := sc.seen[a.id]; !ok {
			sc.order = append(sc.order, a.id)
		}
		sc.seen[a.id] = a.usage // the last line of a message has its final values
	}
	if a.model != "" && a.model != "<synthetic>" {
		sc.model = a.model
	}
	if a.stopReason == "tool_use" {
		sc.end = EndToolRunning
	} else {
		sc.end = EndAnswered
	}
}

// assistantLine is what an assistant line says that the scan uses.
type assistantLine struct {
	typ, id, model, stopReason, text, timestamp string
	usage                                       Usage
	hasUsage, apiErrorMessage                   bool
	err, apiErr                                 string
	status                                      int
}

// parseAssistant reads an assistant line in one pass over its keys (and
// its message's): GetManyBytes would scan the line once per path, and
// assistant lines are most of what the scan parses. The line is read in
// place, not copied (ParseBytes would copy it: a third of the scan's time);
// the strings kept are cloned.
func parseAssistant(line []byte) (a assistantLine) {
	if len(line) == 0 {
		return a
	}
	defer func() {
		a.id, a.model, a.text = strings.Clone(a.id), strings.Clone(a.model), strings.Clone(a.text)
		a.typ, a.stopReason, a.timestamp = strings.Clone(a.typ), strings.Clone(a.stopReason), strings.Clone(a.timestamp)
		a.err, a.apiErr = strings.Clone(a.err), strings.Clone(a.apiErr)
	}()
	gjson.Parse(unsafe.String(&line[0], len(line))).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "type":
			a.typ = v.Str
		case "message":
			v.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "id":
					a.id = v.Str
				case "usage":
					a.hasUsage = true
					a.usage = Usage{
						Input:         v.Get("input_tokens").Int(),
						Output:        v.Get("output_tokens").Int(),
						CacheCreation: v.Get("cache_creation_input_tokens").Int(),
						CacheRead:     v.Get("cache_read_input_tokens").Int(),
					}
				case "model":
					a.model = v.Str
				case "stop_reason":
					a.stopReason = v.Str
				case "content":
					a.text = v.Get("0.text").Str
				}
				return true
			})
		case "isApiErrorMessage":
			a.apiErrorMessage = v.Bool()
		case "error":
			a.err = v.Str
		case "apiErrorStatus":
			a.status = int(v.Int())
		case "apiError":
			a.apiErr = v.Str
		case "timestamp":
			a.timestamp = v.Str
		}
		return true
	})
	return a
}
