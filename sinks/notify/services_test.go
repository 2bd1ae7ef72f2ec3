package notify

import (
	"strings"
	"testing"
)

// TestWithoutServices: ccq itself, which does not link shoutrrr, posts
// webhooks and refuses a service URL (ccq hands those to ccq-helper).
func TestWithoutServices(t *testing.T) {
	if err := Validate("https://hooks.example.com/x", nil); err != nil {
		t.Errorf("webhook: %v", err)
	}
	err := Validate("slack://hooks/"+token, nil)
	if err == nil || !strings.Contains(err.Error(), "needs ccq-helper") || strings.Contains(err.Error(), token) {
		t.Errorf("slack without services: %v", err)
	}
	if _, err := New(Config{URLs: []string{"ntfy://ntfy.sh/" + token}}); err == nil {
		t.Error("New accepted a service URL without services")
	}
	for u, want := range map[string]bool{"https://h/x": true, "http://h": true, "slack://x": false, "generic+https://h": false, "::": false} {
		if IsWebhook(u) != want {
			t.Errorf("IsWebhook(%q) = %v", u, !want)
		}
	}
}
