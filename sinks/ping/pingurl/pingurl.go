// Package pingurl is the part of the healthchecks ping (sinks/ping) that
// ccq itself needs before a run: checking a ping URL and naming a run's
// rid. It links nothing of net/http: ccq-helper sends the pings, and ccq,
// which starts for every run, stays small.
package pingurl

import (
	"crypto/sha1"
	"encoding/hex"
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

// ridNamespace is the UUIDv5 namespace of ccq's run ids,
// bf0dc15d-ecda-51fc-8500-5624708ecf8c: the name-based UUID of
// "https://github.com/ccq-dev/ccq/run-id" in the URL namespace, written
// out so that it can never change — a history line's ping_rid must stay
// the one the service saw.
var ridNamespace = [16]byte{0xbf, 0x0d, 0xc1, 0x5d, 0xec, 0xda, 0x51, 0xfc, 0x85, 0x00, 0x56, 0x24, 0x70, 0x8e, 0xcf, 0x8c}

// RunUUID returns the rid a run's pings carry: the name-based (version 5,
// RFC 9562 section 5.5) UUID of runID in ccq's namespace, so the
// launcher, the ping and anyone reading the history compute the same
// value. It returns "" for "". (Eight lines of the RFC rather than
// github.com/google/uuid, which links net.)
func RunUUID(runID string) string {
	if runID == "" {
		return ""
	}
	h := sha1.New()
	h.Write(ridNamespace[:])
	h.Write([]byte(runID))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // the RFC's variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	hex.Encode(b[9:13], u[4:6])
	hex.Encode(b[14:18], u[6:8])
	hex.Encode(b[19:23], u[8:10])
	hex.Encode(b[24:], u[10:])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}
