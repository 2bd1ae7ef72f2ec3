// Package notifyurl is the part of notifications (sinks/notify) that ccq
// itself needs before a run: checking the URLs and the set of events that
// send. It links nothing of net/http: ccq-helper sends, and ccq, which
// starts for every run, stays small.
package notifyurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ccq-dev/ccq/internal/redact"
)

// On is the set of run events that send a message.
type On uint8

// The members of On.
const (
	OnFailure On = 1 << iota
	OnRecovery
	OnSuccess
)

// DefaultOn sends on every failure and on recovery.
const DefaultOn = OnFailure | OnRecovery

var onNames = []struct {
	bit  On
	name string
}{{OnFailure, "failure"}, {OnRecovery, "recovery"}, {OnSuccess, "success"}}

// ParseOn reads a comma-separated set of "failure", "recovery",
// "success" (or "all"). Spaces and case do not matter; the empty string is
// an error, not the empty set: a notifier that never speaks is better not
// configured.
func ParseOn(s string) (On, error) {
	var on On
	for _, w := range strings.Split(s, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		if w == "all" {
			on |= OnFailure | OnRecovery | OnSuccess
			continue
		}
		found := false
		for _, n := range onNames {
			if n.name == w {
				on |= n.bit
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("notify on %q: %q is not one of failure, recovery, success", s, w)
		}
	}
	if on == 0 {
		return 0, fmt.Errorf("notify on %q: name at least one of failure, recovery, success", s)
	}
	return on, nil
}

// String is the set as ParseOn reads it.
func (o On) String() string {
	var names []string
	for _, n := range onNames {
		if o&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// Validate checks a notification URL without sending anything: it must
// parse and be http(s) with a host; a service URL (slack://, ntfy://, …)
// is ErrNeedsServices, for ccq-helper to check. The error names the URL
// only in redacted form.
func Validate(rawURL string) error {
	raw := strings.TrimSpace(rawURL)
	printable := redact.URL(raw)
	secrets := redact.Secrets(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("notify URL %s: %w", printable, redact.Error(errors.Unwrap(err), secrets...))
	}
	switch {
	case u.Scheme == "":
		return fmt.Errorf("notify URL %s: no scheme (https://…, slack://…, ntfy://…)", printable)
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			return fmt.Errorf("notify URL %s: no host", printable)
		}
		return nil
	}
	return fmt.Errorf("notify URL %s: scheme %q %w", printable, u.Scheme, ErrNeedsServices)
}

// ErrNeedsServices is Validate's error for a service URL when it has no
// Services to check it with.
var ErrNeedsServices = errors.New("needs ccq-helper")

// IsWebhook says whether a notification URL is a plain http(s) webhook,
// which gets the history line as JSON, rather than a chat or mail service.
func IsWebhook(rawURL string) bool {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}
