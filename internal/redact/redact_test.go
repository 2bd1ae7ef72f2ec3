package redact

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestURL(t *testing.T) {
	tests := []struct {
		raw, want string
		secrets   []string // none of these may appear in the output
	}{
		{"https://hc-ping.com/0f3c1c2e-8d1a-4a7b-9f0e-5a8a3c1d2b3f", "https://hc-ping.com/REDACTED", []string{"0f3c1c2e"}},
		{"https://hc-ping.com/PINGKEY123/nightly-report", "https://hc-ping.com/REDACTED", []string{"PINGKEY123", "nightly"}},
		{"https://hooks.slack.com/services/T0000/B0000/XXXXsecretXXXX", "https://hooks.slack.com/REDACTED", []string{"secret", "T0000"}},
		{"slack://hook:xoxb-111-222-secretsecret@C0123/?botname=ccq", "slack://REDACTED@REDACTED/?botname=REDACTED", []string{"xoxb", "secretsecret"}},
		{"telegram://123456789:AAFsecretbottoken@telegram?chats=@mychan,-1001234", "telegram://REDACTED@telegram?chats=REDACTED", []string{"123456789", "AAFsecret", "mychan"}},
		{"discord://tokentokentoken@112233445566", "discord://REDACTED@REDACTED", []string{"tokentoken", "112233"}},
		{"pushbullet://o.AbCdEfToKeN1234", "pushbullet://REDACTED", []string{"AbCdEf"}},
		{"ntfy://ntfy.sh/topic", "ntfy://ntfy.sh/REDACTED", nil},
		{"gotify://127.0.0.1:8080/token", "gotify://127.0.0.1:8080/REDACTED", nil},
		{"smtp://mail.example.com:587/?to=x", "smtp://mail.example.com:587/?to=REDACTED", nil},
		{"pushbullet://AbCdEfToKeN1234/device", "pushbullet://REDACTED/REDACTED", []string{"AbCdEf"}},
		{"nosuch://abcdefghijklmnopq", "nosuch://REDACTED", []string{"abcdefghijklmnopq"}},
		{"ntfy://user:hunter22@ntfy.example.com/private-topic?scheme=http", "ntfy://REDACTED@ntfy.example.com/REDACTED?scheme=REDACTED", []string{"hunter22", "private-topic", "user:"}},
		{"smtp://me%40x.org:p%40ss%2Fword@mail.x.org:587/?to=a@b.c", "smtp://REDACTED@mail.x.org:587/?to=REDACTED", []string{"p%40ss", "p@ss", "a@b.c"}},
		{"https://example.com/hook?token=abc123secret&x=1", "https://example.com/REDACTED?token=REDACTED&x=REDACTED", []string{"abc123secret"}},
		{"https://example.com/?abcdefsecretonly", "https://example.com/?REDACTED", []string{"abcdefsecret"}},
		{"https://example.com/", "https://example.com/", nil},
		{"https://example.com", "https://example.com", nil},
		{"https://example.com/x#frag-secret", "https://example.com/REDACTED#REDACTED", []string{"frag-secret"}},
		{"generic+http://127.0.0.1:8080/hook/secret", "generic+http://127.0.0.1:8080/REDACTED", []string{"secret"}},
		{"mailto:someone@secret.example", "mailto:REDACTED", []string{"someone", "secret"}},
		{"http://[::1]:80%zz/secretpath", "http://REDACTED", []string{"secretpath"}},
		{"::not a url secretsecret", "REDACTED", []string{"secretsecret"}},
		{"ht tp://host/secretsecret", "REDACTED", []string{"secretsecret"}},
		{"", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got := URL(tt.raw)
			if got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("URL(%q) = %q still holds %q", tt.raw, got, s)
				}
			}
		})
	}
}

// TestScrubNetHTTPError checks the leak the package exists for: net/http
// errors print the whole URL, escaped as net/url prints it.
func TestScrubNetHTTPError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: the request fails at once

	raws := []string{
		"http://user:pa%24%24word@" + addr + "/hook/T0000/B0000/XXXXsecret?token=qwerty123",
		"http://" + addr + "/bot123456:AAFsecret/sendMessage",
		"http://" + addr + "/path with spaces secret/x",
	}
	for _, raw := range raws {
		t.Run(raw, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, "POST", raw, nil)
			if err != nil {
				// A URL net/http refuses: its parse error embeds it too.
				checkScrubbed(t, raw, err)
				return
			}
			_, err = http.DefaultClient.Do(req)
			if err == nil {
				t.Fatal("request to a closed port succeeded")
			}
			checkScrubbed(t, raw, err)
		})
	}
}

func checkScrubbed(t *testing.T, raw string, err error) {
	t.Helper()
	u, _ := url.Parse(raw)
	leaks := []string{"secret", "qwerty123", "pa$$word", "pa%24%24word", "AAF", "T0000"}
	if u != nil {
		leaks = append(leaks, u.String())
	}
	got := Error(err, Secrets(raw)...).Error()
	if !strings.Contains(err.Error(), "secret") && !strings.Contains(err.Error(), "qwerty") {
		t.Fatalf("test is void: the original error holds no secret: %v", err)
	}
	for _, s := range leaks {
		if strings.Contains(got, s) {
			t.Errorf("scrubbed error %q still holds %q", got, s)
		}
	}
	if !strings.Contains(got, Marker) {
		t.Errorf("scrubbed error %q has no %s", got, Marker)
	}
}

func TestErrorKeepsTimeoutDropsWrap(t *testing.T) {
	uerr := &url.Error{Op: "Post", URL: "https://x/secretsecret", Err: context.DeadlineExceeded}
	err := Error(fmt.Errorf("ping: %w", uerr), Secrets("https://x/secretsecret")...)
	if strings.Contains(err.Error(), "secretsecret") {
		t.Errorf("secret in %q", err)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("timeout lost: %v", err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		t.Error("the scrubbed error still unwraps to the *url.Error with the full URL")
	}
	if Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
	if errors.Is(Error(errors.New("refused"), "x"), ErrTimeout) {
		t.Error("a plain error became a timeout")
	}
}

// TestNoSecretNothingScrubbed: a URL that URL shows whole has no secret,
// so an error that names it (net/http's, a service's) keeps it.
func TestNoSecretNothingScrubbed(t *testing.T) {
	for _, raw := range []string{"https://example.com", "https://example.com/", "logger://", "generic+http://localhost:8080/", "http://127.0.0.1:9"} {
		t.Run(raw, func(t *testing.T) {
			if s := Secrets(raw); s != nil {
				t.Errorf("Secrets(%q) = %q, want none", raw, s)
			}
			msg := fmt.Sprintf("notify %s: Post %q: connection refused", URL(raw), raw)
			if got := Error(errors.New(msg), Secrets(raw)...).Error(); got != msg {
				t.Errorf("scrubbed %q to %q", msg, got)
			}
		})
	}
	// One secret part makes the whole URL one too.
	if s := Secrets("https://example.com/?k=secretvalue"); !slices.Contains(s, "https://example.com/?k=secretvalue") || !slices.Contains(s, "secretvalue") {
		t.Errorf("Secrets of a URL with a query value = %q", s)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct {
		msg     string
		secrets []string
		want    string
	}{
		{"no secrets here", nil, "no secrets here"},
		{"token abcd and abcdef", []string{"abcd", "abcdef"}, "token REDACTED and REDACTED"},
		{"short ab stays", []string{"ab"}, "short ab stays"},
		{"Post \"https://h/k/secretsecret\": refused", Secrets("https://h/k/secretsecret"), "Post \"REDACTED\": refused"},
		// Replacing one secret makes another meet across the marker.
		{"xxREDAyyzz", []string{"REDAyy", "REDACTED" + "zz"}, "xxREDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			if got := Scrub(tt.msg, tt.secrets...); got != tt.want {
				t.Errorf("Scrub(%q) = %q, want %q", tt.msg, got, tt.want)
			}
		})
	}
}

// FuzzRedact builds URLs around a secret and checks that neither the
// printable form nor a scrubbed message that quotes the URL holds it.
func FuzzRedact(f *testing.F) {
	f.Add("https", "hc-ping.com", "user", "p4ssw0rd", "uuid-1234-5678", "token", "tok3n-value", "frag")
	f.Add("telegram", "telegram", "123456", "AAFsecret", "", "chats", "@chan", "")
	f.Add("ntfy", "127.0.0.1:8080", "", "", "topic-secret", "scheme", "http", "")
	f.Add("x", "h", "a:b@c", "%zz", "/..//", "a&b", "c=d", "#")
	f.Fuzz(func(t *testing.T, scheme, host, user, pass, path, key, value, frag string) {
		u := &url.URL{Scheme: scheme, Host: host, Path: "/" + path, Fragment: frag}
		if user != "" || pass != "" {
			u.User = url.UserPassword(user, pass)
		}
		if key != "" || value != "" {
			u.RawQuery = url.Values{key: {value}}.Encode()
		}
		raw := u.String()
		printable := URL(raw)
		// The parts that may show: scheme, host and query keys, plus the
		// marker and punctuation. A secret that is part of those cannot be
		// told apart from them, so it is not checked.
		shown := scheme + "://" + host + "?" + url.QueryEscape(key) + "=" + Marker + "/#@"
		for _, secret := range []string{pass, path, value, frag} {
			if len(secret) < minSecret || strings.Contains(shown, secret) || strings.Contains(Marker, secret) {
				continue
			}
			if strings.Contains(printable, secret) {
				t.Errorf("URL(%q) = %q holds %q", raw, printable, secret)
			}
			for _, esc := range []string{url.PathEscape(secret), url.QueryEscape(secret)} {
				if len(esc) >= minSecret && !strings.Contains(shown, esc) && strings.Contains(printable, esc) {
					t.Errorf("URL(%q) = %q holds %q", raw, printable, esc)
				}
			}
			msg := fmt.Sprintf("Post %q: dial tcp: refused", raw)
			got := strings.ReplaceAll(Scrub(msg, Secrets(raw)...), Marker, "\x00")
			if strings.Contains(got, secret) && !strings.Contains(`Post "": dial tcp: refused`, secret) {
				t.Errorf("Scrub(%q) = %q holds %q", msg, got, secret)
			}
		}
	})
}
