// Package pingurl is the part of the healthchecks ping (sinks/ping) that
// ccq itself needs before a run: checking a ping URL (a run's rid is
// internal/idhash's RunUUID). It links nothing of net/http: ccq-helper sends the pings, and ccq,
// which starts for every run, stays small.
package pingurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ccq-dev/ccq/internal/redact"
)

// Parse checks a ping URL without sending anything: http or https, a host,
// no fragment. The error names the URL only in redacted form.
func Parse(rawURL string) (*url.URL, error) {
	printable := redact.URL(rawURL)
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("ping URL %s: %w", printable, redact.Error(errors.Unwrap(err), redact.Secrets(rawURL)...))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("ping URL %s: scheme must be http or https", printable)
	case u.Host == "":
		return nil, fmt.Errorf("ping URL %s: no host", printable)
	case u.Fragment != "":
		return nil, fmt.Errorf("ping URL %s: a fragment (#…) has no place in a ping URL", printable)
	}
	return u, nil
}
