package recorder

import (
	"strings"
	"testing"
)

// TestNetworkFailureHookRoute: Claude Code 2.1.328's transcript of a run
// whose ANTHROPIC_BASE_URL was a closed port (captured, CLAUDE_CODE_MAX_RETRIES=0)
// classifies as a refused connection with the client's own line, not as
// the "server_error" the transcript's error field says.
func TestNetworkFailureHookRoute(t *testing.T) {
	tr, err := ReadSession(fixture(t, "transcript-connection-refused.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.APIError != "server_error" || tr.APIErrorClass != "connection_failed" {
		t.Fatalf("transcript api error %q class %q", tr.APIError, tr.APIErrorClass)
	}
	typ, d := Classify(Evidence{Run: &Run{SessionStarts: 1, Stops: 1, Transcript: &tr}})
	want := "connection_refused: API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)"
	if typ != ErrExit || d != want {
		t.Errorf("classify = %s %q, want exit_error %q", typ, d, want)
	}
	if !IsNetworkDetail(d) {
		t.Errorf("IsNetworkDetail(%q) = false", d)
	}
}

func TestNetworkDetail(t *testing.T) {
	for _, tt := range []struct{ apiErr, text, want string }{
		{"connection_failed", "API Error: Connection refused (ECONNREFUSED)", NetConnRefused},
		{"connection_failed", "API Error: getaddrinfo ENOTFOUND api.example", NetDNS},
		{"connection_failed", "API Error: unable to verify the first certificate", NetTLS},
		{"connection_failed", "API Error: Request timed out", NetTimeout},
		{"connection_failed", "something new", "connection_failed"},
		{"", "API Error: Connection refused", ""},
		{"server_error", "API Error: 500", ""},
	} {
		got := NetworkDetail(tt.apiErr, tt.text)
		if tt.want == "" {
			if got != "" {
				t.Errorf("NetworkDetail(%q, %q) = %q, want none", tt.apiErr, tt.text, got)
			}
			continue
		}
		if !strings.HasPrefix(got, tt.want+": ") || !strings.HasSuffix(got, tt.text) {
			t.Errorf("NetworkDetail(%q, %q) = %q, want %s: <line>", tt.apiErr, tt.text, got, tt.want)
		}
	}
	if IsNetworkDetail("server_error") || IsNetworkDetail("timeout after 1m0s") {
		t.Error("IsNetworkDetail accepts a non-network detail")
	}
}
