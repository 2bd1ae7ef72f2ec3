package recorder

import "strings"

// Network failure details: the request never reached an API that could
// answer, so the run is not a server_error (issue 24). Claude Code 2.1.328
// marks such a turn with api_error "connection_failed" and says why in its
// text ("API Error: Connection refused ... (ECONNREFUSED)").
const (
	NetConnRefused = "connection_refused"
	NetDNS         = "dns"
	NetTLS         = "tls"
	NetTimeout     = "timeout"
)

// netMarks maps words of the client's error text to a network detail; the
// first that matches wins. Node's error codes are the stable part.
var netMarks = []struct{ mark, detail string }{
	{"ECONNREFUSED", NetConnRefused},
	{"connection refused", NetConnRefused},
	{"ENOTFOUND", NetDNS},
	{"EAI_AGAIN", NetDNS},
	{"getaddrinfo", NetDNS},
	{"CERT_", NetTLS},
	{"certificate", NetTLS},
	{"SSL", NetTLS},
	{"TLS", NetTLS},
	{"ETIMEDOUT", NetTimeout},
	{"timed out", NetTimeout},
	{"timeout", NetTimeout},
}

// NetworkDetail returns the error_detail of a run whose API call failed
// on the network: the class, then the client's own error line
// ("connection_refused: API Error: Connection refused ..."). apiError is
// the client's api_error field; "" when it is not a network failure.
func NetworkDetail(apiError, text string) string {
	if apiError != "connection_failed" && !strings.HasPrefix(apiError, "connection") {
		return ""
	}
	line := lastLine(text)
	lower := strings.ToLower(line)
	class := "connection_failed"
	for _, m := range netMarks {
		if strings.Contains(line, m.mark) || strings.Contains(lower, strings.ToLower(m.mark)) {
			class = m.detail
			break
		}
	}
	if line == "" {
		return class
	}
	return class + ": " + line
}

// IsNetworkDetail reports whether an error_detail is one NetworkDetail made.
func IsNetworkDetail(d string) bool {
	for _, c := range []string{NetConnRefused, NetDNS, NetTLS, NetTimeout, "connection_failed"} {
		if d == c || strings.HasPrefix(d, c+": ") {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	return s
}
