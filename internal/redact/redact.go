// Package redact keeps the secrets of ping and notification URLs out of
// what ccq prints.
//
// Such URLs are credentials: a healthchecks check's UUID or ping key, a
// Slack or Discord webhook path, a Telegram bot token, an ntfy topic or
// password, a ?token= query value. Anyone who reads one can send in the
// user's name. They leak two ways: printed as given ("bad URL …"), and
// inside errors from net/http, whose *url.Error embeds the full URL, and
// from libraries that do the same. URL handles the first, Scrub the second.
package redact

import (
	"errors"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Marker replaces every secret.
const Marker = "REDACTED"

// minSecret is the shortest string Scrub replaces. Shorter parts of a URL
// ("v1", "api") are no secrets worth the name, and replacing every "api"
// in a message would make it unreadable.
const minSecret = 4

// URL returns a form of raw that is safe to print: the scheme and host are
// kept, so the user can tell which URL is meant; user and password, the
// path and the fragment become Marker, and every query value becomes Marker
// (the keys stay: "?token=REDACTED" says where the secret was).
//
// The host stays because it is what tells two URLs apart, except where it
// may be a token: service URLs (shoutrrr's pushbullet://TOKEN,
// discord://TOKEN@ID, ifttt://KEY) put secrets there, so outside http and
// https a host is kept only when it looks like one: "localhost", an IP
// address, or a lower-case name such as "ntfy.sh" or "telegram" (a token
// such as pushbullet's "o.AbC…" has capitals). A string
// that does not parse keeps only a scheme that looks like one.
func URL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u == nil {
		if scheme, _, ok := strings.Cut(raw, "://"); ok && validScheme(scheme) {
			return scheme + "://" + Marker
		}
		return Marker
	}
	if u.Opaque != "" { // mailto:x, host:port without a scheme
		if validScheme(u.Scheme) {
			return u.Scheme + ":" + Marker
		}
		return Marker
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteString("://")
	}
	if u.User != nil {
		b.WriteString(Marker)
		b.WriteString("@")
	}
	// Host is printed from its parsed form, which cannot hold '@' or '/',
	// so nothing of the userinfo or path comes along with it.
	if plainHost(u.Scheme, u.Host) {
		b.WriteString(u.Host)
	} else {
		b.WriteString(Marker)
	}
	if u.Path != "" && u.Path != "/" || u.RawPath != "" {
		b.WriteString("/")
		b.WriteString(Marker)
	} else if u.Path == "/" {
		b.WriteString("/")
	}
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteString("?")
		b.WriteString(redactQuery(u.RawQuery))
	}
	if u.Fragment != "" || u.RawFragment != "" {
		b.WriteString("#")
		b.WriteString(Marker)
	}
	return b.String()
}

// redactQuery keeps the keys of a query string, in their order, and
// replaces the values. A key without a value, or one that is not plain
// (letters, digits, "-_.@$"), is replaced too: in a query that is not
// key=value pairs it may be the secret itself.
func redactQuery(q string) string {
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		k, _, hasValue := strings.Cut(kv, "=")
		if !hasValue || !plainKey(k) {
			k = Marker
		}
		if hasValue {
			k += "=" + Marker
		}
		parts = append(parts, k)
	}
	return strings.Join(parts, "&")
}

// isIP reports whether s is an IP address (net/netip: redact is linked
// into ccq, which links nothing of net).
func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// plainHost reports whether host can be shown (see URL).
func plainHost(scheme, host string) bool {
	switch strings.ToLower(scheme) {
	case "http", "https", "ws", "wss":
		return true
	}
	if host == "" || strings.HasPrefix(host, "[") || isIP(host) {
		return true
	}
	if h := (&url.URL{Host: host}).Hostname(); h != host { // host:port
		host = h
		if isIP(host) {
			return true
		}
	}
	if host == "localhost" {
		return true
	}
	// A name: lower-case letters, digits, '-' and '.', a last label of
	// letters. A word of up to 16 letters is a service keyword ("telegram").
	labels := strings.Split(host, ".")
	last := labels[len(labels)-1]
	if len(labels) == 1 && len(last) > 16 || len(labels) > 1 && len(last) < 2 {
		return false
	}
	for _, c := range last {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func plainKey(k string) bool {
	if k == "" || len(k) > 32 {
		return false
	}
	for _, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == '@' || c == '$':
		default:
			return false
		}
	}
	return true
}

// validScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, "+", "-", ".").
func validScheme(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// Secrets returns the strings of raw that Scrub must remove from messages:
// the URL itself as given and as net/url prints it, user and password
// (apart and as "user:password"), every path segment, every query value and
// the fragment, each raw, unescaped, escaped and as %q prints it. Parts shorter than 4 bytes are left
// out. The result is meant for Scrub, never for printing.
//
// A URL that URL shows whole ("https://example.com", "logger://") holds no
// secret: it has none, so that an error naming it stays readable.
func Secrets(raw string) []string {
	if !strings.Contains(URL(raw), Marker) {
		return nil
	}
	set := map[string]bool{}
	add := func(ss ...string) {
		for _, s := range ss {
			s = strings.TrimSpace(s)
			if len(s) < minSecret {
				continue
			}
			set[s] = true
			if u, err := url.PathUnescape(s); err == nil {
				set[u] = true
			}
			if u, err := url.QueryUnescape(s); err == nil {
				set[u] = true
			}
			set[url.PathEscape(s)] = true
			set[url.QueryEscape(s)] = true
			// *url.Error prints its URL with %q: quotes and backslashes
			// come out escaped.
			if q := strconv.Quote(s); len(q) > 2 {
				set[q[1:len(q)-1]] = true
			}
		}
	}
	add(raw)
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u == nil {
		// Unparseable: everything after the scheme is suspect.
		if _, rest, ok := strings.Cut(raw, "://"); ok {
			add(rest)
			for _, p := range strings.FieldsFunc(rest, func(r rune) bool { return strings.ContainsRune("/?&=#@:", r) }) {
				add(p)
			}
		}
		return sorted(set)
	}
	add(u.String(), u.Opaque)
	if !plainHost(u.Scheme, u.Host) {
		add(u.Host, u.Hostname())
	}
	if u.User != nil {
		add(u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p, u.User.Username()+":"+p)
		}
	}
	add(u.Path, u.EscapedPath())
	for _, seg := range strings.Split(u.Path, "/") {
		add(seg)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		add(seg)
	}
	add(u.RawQuery)
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, v, hasValue := strings.Cut(kv, "=")
		add(v)
		if !hasValue || !plainKey(k) {
			add(k)
		}
	}
	add(u.Fragment, u.RawFragment)
	return sorted(set)
}

// sorted returns the set longest first, so that Scrub replaces a whole
// URL before the parts it contains.
func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		if len(s) >= minSecret {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// Scrub returns msg with every occurrence of each secret replaced by
// Marker. Secrets shorter than 4 bytes are ignored. Where replacing one
// secret makes another appear (their ends meeting across a Marker), the
// replacing is repeated, a bounded number of times.
func Scrub(msg string, secrets ...string) string {
	var olds []string
	set := map[string]bool{}
	for _, s := range secrets {
		if len(s) >= minSecret && !set[s] {
			set[s] = true
		}
	}
	olds = sorted(set)
	if len(olds) == 0 {
		return msg
	}
	pairs := make([]string, 0, 2*len(olds))
	for _, s := range olds {
		pairs = append(pairs, s, Marker)
	}
	r := strings.NewReplacer(pairs...)
	for range 8 {
		next := r.Replace(msg)
		if next == msg {
			break
		}
		msg = next
	}
	return msg
}

// Error returns err with its message scrubbed of secrets, or nil for nil.
// The result wraps nothing: a wrapped *url.Error would still hand the full
// URL to anyone who unwraps it. Whether the request timed out survives as
// errors.Is(err, ErrTimeout).
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	e := &scrubbed{msg: Scrub(err.Error(), secrets...)}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		e.timeout = true
	}
	return e
}

// ErrTimeout matches, with errors.Is, a scrubbed error whose original
// reported a timeout.
var ErrTimeout = errors.New("timeout")

type scrubbed struct {
	msg     string
	timeout bool
}

func (e *scrubbed) Error() string   { return e.msg }
func (e *scrubbed) Timeout() bool   { return e.timeout }
func (e *scrubbed) Is(t error) bool { return t == ErrTimeout && e.timeout }
