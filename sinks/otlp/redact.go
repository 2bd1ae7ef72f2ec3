package otlp

import "github.com/ccq-dev/ccq/internal/redact"

// What the sink's errors may show: the launcher prints them as warnings.

// SinkName names the sink in the launcher's warnings.
func (s *Sink) SinkName() string { return "otlp" }

// standardSegments are the parts of an OTLP endpoint that are no secret
// and that messages must keep readable ("logs: …").
var standardSegments = map[string]bool{"v1": true, "logs": true, "metrics": true, "traces": true}

// secretsOf collects what errors must not show: each endpoint's parts but
// the standard path, and each header's value.
func secretsOf(cfg config) []string {
	var out []string
	for _, ec := range []*exportConfig{cfg.logs, cfg.metrics, cfg.traces} {
		if ec == nil {
			continue
		}
		for _, sec := range redact.Secrets(ec.endpoint) {
			if !standardSegments[sec] {
				out = append(out, sec)
			}
		}
		for _, v := range ec.headers {
			out = append(out, v)
		}
	}
	return out
}

// scrub keeps the endpoints' and headers' secrets out of err.
func (s *Sink) scrub(err error) error {
	if err == nil {
		return nil
	}
	return redact.Error(err, s.secrets...)
}
