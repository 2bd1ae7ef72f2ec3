package ping

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// secret is the check's UUID in every test URL: it must never show in an
// error.
const secret = "5f0c2b9e-1d7a-4c3e-9b8f-7e6d5c4b3a21"

// ping is one request the fake service received.
type ping struct {
	method, kind, rid, ua, contentType string
	body                               string
}

// hc is a fake healthchecks ping endpoint: /ping/<uuid>[/start|/fail|/log|/<code>].
// fail answers that many requests with 500 before it answers 200.
type hc struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	pings []ping
	fail  int
	// mode: "" answers like healthchecks; "hang" never answers until the
	// test ends; "redirect" redirects to itself forever; "404" says
	// "not found".
	mode      string
	bodyLimit string // Ping-Body-Limit header, if set
	release   chan struct{}
	hanging   chan struct{} // one value per request that hangs
}

func newHC(t *testing.T, mode string) *hc {
	h := &hc{t: t, mode: mode, release: make(chan struct{}), hanging: make(chan struct{}, 16)}
	h.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		close(h.release) // let hanging handlers return, or Close waits for them
		h.srv.Close()
	})
	return h
}

var pathRE = regexp.MustCompile(`^/ping/([0-9a-f-]{36})(?:/(start|fail|log|[0-9]{1,3}))?$`)

func (h *hc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch h.mode {
	case "hang":
		h.hanging <- struct{}{}
		<-h.release
		return
	case "redirect":
		http.Redirect(w, r, r.URL.String(), http.StatusTemporaryRedirect)
		return
	case "404":
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != secret {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	rid := r.URL.Query().Get("rid")
	if rid != "" && !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(rid) {
		http.Error(w, "invalid uuid format", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pings = append(h.pings, ping{r.Method, m[2], rid, r.UserAgent(), r.Header.Get("Content-Type"), string(body)})
	if h.fail > 0 {
		h.fail--
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if h.bodyLimit != "" {
		w.Header().Set("Ping-Body-Limit", h.bodyLimit)
	}
	io.WriteString(w, "OK")
}

func (h *hc) got() []ping {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]ping(nil), h.pings...)
}

func (h *hc) url() string { return h.srv.URL + "/ping/" + secret }

func fastConfig(u string) Config {
	return Config{URL: u, Backoff: time.Millisecond, Host: "testhost"}
}

func newPinger(t *testing.T, cfg Config) *Pinger {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("error holds the check's UUID: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), secret[:8]) {
		t.Errorf("error holds part of the check's UUID: %v", err)
	}
}

func intp(i int) *int           { return &i }
func floatp(f float64) *float64 { return &f }

func writeLog(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nightly-01m8a2bv7jvqs457.md")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunUUID(t *testing.T) {
	// Golden (internal/idhash): the launcher's ping_rid and the helper's
	// pings must name the same run.
	if got, want := RunUUID("01m8a2bv7jvqs457"), RunUUID("01m8a2bv7jvqs457"); got != want {
		t.Fatalf("not deterministic: %s %s", got, want)
	}
	if got := RunUUID("01m8a2bv7jvqs457"); got != "b2c00257-0e4c-81e5-ad01-69d6ab75924a" {
		t.Errorf("RunUUID changed: %s", got)
	}
	if RunUUID("a") == RunUUID("b") {
		t.Error("two run ids, one rid")
	}
	if RunUUID("") != "" {
		t.Error(`RunUUID("") is not ""`)
	}
}

// TestSequences runs the launcher's calls against the fake service and
// checks what it received.
func TestSequences(t *testing.T) {
	log := writeLog(t, "# nightly\nassistant: did the thing\nERROR: final words\n")
	run := launch.RunInfo{RunID: "01m8a2bv7jvqs457", Task: "nightly", LogFile: log, Start: time.Date(2026, 11, 25, 19, 0, 43, 0, time.UTC)}
	rid := RunUUID(run.RunID)
	fail := recorder.Entry{TaskID: "nightly", Success: false, ErrorType: recorder.ErrExit, ErrorDetail: "server_error",
		Tokens: 1234, DurationS: 0.883, LogFile: log, RunID: run.RunID, ExitCode: intp(1), CostUSD: floatp(0.0123)}
	ok := recorder.Entry{TaskID: "nightly", Success: true, Tokens: 99, DurationS: 12.5, LogFile: log, RunID: run.RunID, ExitCode: intp(0)}
	retried := fail
	retried.Extra = map[string]any{"attempt": 1}

	type step func(p *Pinger) error
	started := func(p *Pinger) error { return p.Started(context.Background(), run) }
	finished := func(e recorder.Entry) step {
		return func(p *Pinger) error { return p.Finished(context.Background(), run, e) }
	}
	tests := []struct {
		name  string
		steps []step
		want  []ping // method, kind, rid; body checked by wantBody
		// wantBody[i] are strings the i-th body must hold
		wantBody [][]string
	}{
		{"success", []step{started, finished(ok)},
			[]ping{{kind: "start", rid: rid}, {kind: "", rid: rid}},
			[][]string{{"ccq: task nightly run 01m8a2bv7jvqs457 started on testhost", "log: " + log},
				{"succeeded on testhost", "duration: 12.500s", "tokens: 99", "exit code: 0", "ERROR: final words"}}},
		{"failure", []step{started, finished(fail)},
			[]ping{{kind: "start", rid: rid}, {kind: "fail", rid: rid}},
			[][]string{nil, {"failed (exit_error) on testhost", "error: server_error", "exit code: 1", "tokens: 1234", "cost: $0.0123", "log: " + log, "--- end of the session log ---\n# nightly\n"}}},
		{"retry then success", []step{
			func(p *Pinger) error { return p.StartedAttempt(context.Background(), run, 1) },
			func(p *Pinger) error { return p.Retrying(context.Background(), run, retried, 2) },
			func(p *Pinger) error {
				r := run
				r.RunID = "01m8a2bv7jvqs458"
				return p.StartedAttempt(context.Background(), r, 2)
			},
			func(p *Pinger) error {
				r, e := run, ok
				r.RunID, e.RunID = "01m8a2bv7jvqs458", "01m8a2bv7jvqs458"
				return p.Finished(context.Background(), r, e)
			}},
			[]ping{{kind: "start", rid: rid}, {kind: "log", rid: rid}, {kind: "start", rid: RunUUID("01m8a2bv7jvqs458")}, {kind: "", rid: RunUUID("01m8a2bv7jvqs458")}},
			[][]string{nil, {"note: will retry: attempt 2 follows", "attempt: 1"}, {"(attempt 2)"}, {"succeeded"}}},
		{"skipped", []step{func(p *Pinger) error {
			return p.Skipped(context.Background(), "nightly", "previous run still in progress")
		}},
			[]ping{{kind: "fail", rid: ""}},
			[][]string{{"task nightly was not launched on testhost: previous run still in progress"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHC(t, "")
			p := newPinger(t, fastConfig(h.url()))
			for i, s := range tt.steps {
				if err := s(p); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			got := h.got()
			if len(got) != len(tt.want) {
				t.Fatalf("got %d pings, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.method != "POST" || g.kind != w.kind || g.rid != w.rid {
					t.Errorf("ping %d: %s /%s rid=%s, want POST /%s rid=%s", i, g.method, g.kind, g.rid, w.kind, w.rid)
				}
				if !strings.HasPrefix(g.ua, "ccq") {
					t.Errorf("ping %d: User-Agent %q", i, g.ua)
				}
				if g.contentType != "text/plain; charset=utf-8" {
					t.Errorf("ping %d: Content-Type %q", i, g.contentType)
				}
				for _, s := range tt.wantBody[i] {
					if !strings.Contains(g.body, s) {
						t.Errorf("ping %d: body lacks %q:\n%s", i, s, g.body)
					}
				}
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	// A log of 300 kB of three-byte characters whose lines do not fall on
	// the cut, with a marker at its very end.
	line := strings.Repeat("€", 333) + "\n"
	content := strings.Repeat(line, 300) + "THE END\n"
	log := writeLog(t, content)
	long := strings.Repeat("detail ", 2000)
	e := recorder.Entry{TaskID: "big", ErrorType: recorder.ErrExit, ErrorDetail: long, LogFile: log, RunID: "r1"}

	tests := []struct {
		name      string
		maxBody   int
		header    string // Ping-Body-Limit announced by the service
		wantLimit int
	}{
		{"default", 0, "", DefaultMaxBody},
		{"configured", 20_000, "", 20_000},
		{"instance says less", 0, "10000", 10_000},
		{"tiny", 100, "", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHC(t, "")
			h.bodyLimit = tt.header
			cfg := fastConfig(h.url())
			cfg.MaxBody = tt.maxBody
			p := newPinger(t, cfg)
			if err := p.Started(context.Background(), launch.RunInfo{RunID: "r1", Task: "big"}); err != nil {
				t.Fatal(err)
			}
			if err := p.Finished(context.Background(), launch.RunInfo{RunID: "r1", Task: "big"}, e); err != nil {
				t.Fatal(err)
			}
			body := h.got()[1].body
			if len(body) > tt.wantLimit {
				t.Errorf("body is %d bytes, limit %d", len(body), tt.wantLimit)
			}
			if !utf8.ValidString(body) {
				t.Error("body is not valid UTF-8")
			}
			if !strings.HasPrefix(body, "ccq: task big run r1 failed (exit_error)") {
				t.Errorf("summary cut or missing: %.80q", body)
			}
			if tt.wantLimit >= 10_000 {
				if !strings.HasSuffix(body, "THE END\n") {
					t.Errorf("the log's end is missing: …%q", body[max(0, len(body)-40):])
				}
				if len(body) < tt.wantLimit-len(line)-10 {
					t.Errorf("body is %d bytes: far below the limit %d", len(body), tt.wantLimit)
				}
				// The cut dropped the partial first line.
				_, after, _ := strings.Cut(body, "--- end of the session log ---\n")
				if !strings.HasPrefix(after, line) {
					t.Errorf("tail starts mid-line: %.40q", after)
				}
			}
		})
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		content string
		n       int
		want    string
	}{
		{"short\n", 100, "short\n"},
		{"line1\nline2\n", 8, "line2\n"},
		{"aaaa€€€", 7, "€€"},              // cut inside a character: it is dropped
		{"no newline at all", 5, "t all"}, // no newline to cut at: kept
		{"x\xff\xfey\n", 100, "x?y\n"},
		{"", 10, ""},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		p := writeLog(t, tt.content)
		got, err := Tail(p, tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want || len(got) > tt.n {
			t.Errorf("Tail(%q, %d) = %q, want %q", tt.content, tt.n, got, tt.want)
		}
	}
	if _, err := Tail(t.TempDir(), 10); err == nil {
		t.Error("Tail of a directory: no error")
	}
	if _, err := Tail(filepath.Join(t.TempDir(), "missing"), 10); err == nil {
		t.Error("Tail of a missing file: no error")
	}
}

func TestMissingLogStillPings(t *testing.T) {
	h := newHC(t, "")
	p := newPinger(t, fastConfig(h.url()))
	e := recorder.Entry{TaskID: "t", Success: true, LogFile: "/nonexistent/ccq/log.md", RunID: "r"}
	if err := p.Finished(context.Background(), launch.RunInfo{RunID: "r", Task: "t"}, e); err != nil {
		t.Fatal(err)
	}
	if b := h.got()[0].body; !strings.Contains(b, "session log not read") {
		t.Errorf("body: %q", b)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		fail      int
		retries   int
		wantErr   bool
		wantTries int
	}{
		{"two 500s then OK", 2, 0, false, 3},
		{"three 500s", 3, 0, true, 3},
		{"no retries", 1, -1, true, 1},
		{"five retries", 4, 5, false, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHC(t, "")
			h.fail = tt.fail
			cfg := fastConfig(h.url())
			cfg.Retries = tt.retries
			p := newPinger(t, cfg)
			err := p.Started(context.Background(), launch.RunInfo{RunID: "r", Task: "t"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			noSecret(t, err)
			if err != nil && !strings.Contains(err.Error(), "500") {
				t.Errorf("error does not say what the service answered: %v", err)
			}
			if n := len(h.got()); n != tt.wantTries {
				t.Errorf("%d requests, want %d", n, tt.wantTries)
			}
		})
	}
}

// TestFailures: every way the service can fail ends in a redacted error,
// within the timeout.
func TestFailures(t *testing.T) {
	const timeout = 2 * time.Second
	const slack = 3 * time.Second // generous: the race detector, a busy machine

	closed := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr + "/ping/" + secret
	}
	tests := []struct {
		name    string
		mode    string
		url     func(t *testing.T, h *hc) string
		retries int
		reqTime time.Duration // RequestTimeout
		want    string        // in the error
		maxTime time.Duration
	}{
		{"hangs, retried", "hang", nil, 0, 800 * time.Millisecond, "no answer within 2s", timeout + slack},
		{"hangs, one long request", "hang", nil, 0, timeout, "no answer within 2s", timeout + slack},
		{"redirects forever", "redirect", nil, 0, 0, "stopped after 5 redirects", slack},
		{"no such check", "404", nil, 0, 0, "404 Not Found: not found", slack},
		{"server down", "", func(t *testing.T, _ *hc) string { return closed(t) }, 0, 0, "connection refused", slack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHC(t, tt.mode)
			u := h.url()
			if tt.url != nil {
				u = tt.url(t, h)
			}
			cfg := fastConfig(u)
			cfg.Timeout = timeout
			cfg.RequestTimeout = tt.reqTime
			cfg.Retries = tt.retries
			p := newPinger(t, cfg)
			start := time.Now()
			err := p.Finished(context.Background(), launch.RunInfo{RunID: "r", Task: "t"}, recorder.Entry{TaskID: "t", Success: true})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("no error")
			}
			noSecret(t, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), redact.Marker) {
				t.Errorf("error %q does not name the redacted URL", err)
			}
			if elapsed > tt.maxTime {
				t.Errorf("took %v, want under %v", elapsed, tt.maxTime)
			}
			if tt.mode == "hang" {
				// 800ms tries at 0, 0.8 s and 1.6 s, the last cut short by
				// the total (a slow machine may not get to it); one try
				// when a request may take it all.
				lo, hi := 1, 1
				if tt.reqTime < timeout {
					lo, hi = 2, 3
				}
				if n := len(h.hanging); n < lo || n > hi {
					t.Errorf("%d requests reached the server, want %d to %d", n, lo, hi)
				}
			}
		})
	}
}

// TestCallerDeadline: the launcher's context wins over a longer Timeout.
func TestCallerDeadline(t *testing.T) {
	h := newHC(t, "hang")
	p := newPinger(t, fastConfig(h.url()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Started(ctx, launch.RunInfo{RunID: "r", Task: "t"}) }()
	<-h.hanging // the request has arrived: now the caller gives up
	cancel()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "canceled") {
			t.Errorf("err = %v, want cancellation", err)
		}
		noSecret(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("ping outlived its caller's context")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string
	}{
		{"https://hc-ping.com/" + secret, ""},
		{"http://127.0.0.1:8000/ping/" + secret + "/", ""},
		{"https://hc-ping.com/PINGKEY/nightly?create=1", ""},
		{"hc-ping.com/" + secret, "scheme must be http or https"},
		{"ftp://hc-ping.com/" + secret, "scheme must be http or https"},
		{"https:///" + secret, "no host"},
		{"https://hc-ping.com/" + secret + "#x", "fragment"},
		{"https://hc-ping.com/%zz" + secret, "invalid URL escape"},
		{"https://[::1/" + secret, "missing ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := Validate(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			noSecret(t, err)
			if _, err := New(Config{URL: tt.url}); err == nil {
				t.Error("New accepts what Validate refuses")
			}
		})
	}
}

// TestNeverPanics: a Pinger made by hand (not by New) fails cleanly.
func TestNeverPanics(t *testing.T) {
	var p Pinger
	if err := p.Started(context.Background(), launch.RunInfo{}); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("err = %v", err)
	}
}
