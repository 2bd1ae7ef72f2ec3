package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/notify/shoutrrr"
)

// token is the secret in every test URL's path: it must never show in an
// error.
const token = "XoXbSeCrEtToKeN123"

// receiver is a webhook endpoint that records what it is sent, or fails in
// the way mode says: "500", "hang" (until the test ends), "redirect"
// (to itself, forever).
type receiver struct {
	srv     *httptest.Server
	mode    string
	mu      sync.Mutex
	got     []request
	release chan struct{}
}

type request struct {
	method, path, contentType, ua string
	body                          []byte
}

func newReceiver(t *testing.T, mode string) *receiver {
	r := &receiver{mode: mode, release: make(chan struct{})}
	r.srv = httptest.NewServer(r)
	t.Cleanup(func() {
		close(r.release) // hanging handlers return, so Close does not wait for them
		r.srv.Close()
	})
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	switch r.mode {
	case "hang":
		<-r.release
		return
	case "redirect":
		http.Redirect(w, req, req.URL.String(), http.StatusTemporaryRedirect)
		return
	}
	r.mu.Lock()
	r.got = append(r.got, request{req.Method, req.URL.Path, req.Header.Get("Content-Type"), req.UserAgent(), body})
	r.mu.Unlock()
	if r.mode == "500" {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	// JSON, which every service takes (ntfy reads its answer as JSON).
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":"x"}`)
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

func (r *receiver) hook() string { return r.srv.URL + "/hook/" + token }

func noToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), token) {
		t.Errorf("error holds the token: %v", err)
	}
}

func intp(i int) *int           { return &i }
func floatp(f float64) *float64 { return &f }

func entry(task, runID string, success bool) recorder.Entry {
	e := recorder.Entry{TaskID: task, Success: success, Tokens: 1500, DurationS: 42.125,
		LogFile: "logs/scheduler/2026-11-25/" + task + "-" + runID + ".md", Timestamp: "2026-11-25T19:00:43.135Z",
		RunID: runID, ExitCode: intp(0), CostUSD: floatp(0.25)}
	if !success {
		e.ErrorType, e.ErrorDetail, e.ExitCode = recorder.ErrExit, "server_error", intp(1)
	}
	return e
}

func TestParseOn(t *testing.T) {
	tests := []struct {
		in      string
		want    On
		wantErr bool
	}{
		{"failure,recovery,success", OnFailure | OnRecovery | OnSuccess, false},
		{"failure", OnFailure, false},
		{" Recovery , FAILURE ", OnFailure | OnRecovery, false},
		{"all", OnFailure | OnRecovery | OnSuccess, false},
		{"success,", OnSuccess, false},
		{"", 0, true},
		{",", 0, true},
		{"failures", 0, true},
		{"failure,sometimes", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseOn(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseOn(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, _ := ParseOn(got.String()); back != got {
				t.Errorf("ParseOn(%q.String()) = %v", got, back)
			}
		}
	}
}

// TestSequence plays the launcher: each run's line is appended to the
// history, then Finished is called, as launch does.
func TestSequence(t *testing.T) {
	outcomes := []bool{false, false, true, true, false, true}
	tests := []struct {
		on   string
		want []Event
	}{
		{"", []Event{EventFailure, EventFailure, EventRecovery, EventFailure, EventRecovery}},
		{"failure,recovery,success", []Event{EventFailure, EventFailure, EventRecovery, EventSuccess, EventFailure, EventRecovery}},
		{"recovery", []Event{EventRecovery, EventRecovery}},
		{"success", []Event{EventRecovery, EventSuccess, EventRecovery}},
		{"failure", []Event{EventFailure, EventFailure, EventFailure}},
	}
	for _, tt := range tests {
		t.Run(tt.on, func(t *testing.T) {
			dir := t.TempDir()
			rcv := newReceiver(t, "")
			cfg := Config{URLs: []string{rcv.hook()}, HistoryPath: recorder.HistoryPath(dir), Host: "box"}
			if tt.on != "" {
				var err error
				if cfg.On, err = ParseOn(tt.on); err != nil {
					t.Fatal(err)
				}
			}
			n, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, ok := range outcomes {
				// Another task's runs in between must not count.
				other := entry("other", fmt.Sprintf("o%d", i), !ok)
				if err := recorder.Append(dir, &other); err != nil {
					t.Fatal(err)
				}
				e := entry("nightly", fmt.Sprintf("r%d", i), ok)
				if err := recorder.Append(dir, &e); err != nil {
					t.Fatal(err)
				}
				run := launch.RunInfo{RunID: e.RunID, Task: "nightly", LogFile: e.LogFile}
				if err := n.Finished(context.Background(), run, e); err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
			}
			var got []Event
			for _, r := range rcv.requests() {
				var m map[string]any
				if err := json.Unmarshal(r.body, &m); err != nil {
					t.Fatalf("body is not JSON: %v: %s", err, r.body)
				}
				got = append(got, Event(m["event"].(string)))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sent %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWebhookBody(t *testing.T) {
	rcv := newReceiver(t, "")
	n, err := New(Config{URLs: []string{rcv.hook()}, Host: "box", Services: shoutrrr.Services{}})
	if err != nil {
		t.Fatal(err)
	}
	e := entry("nightly", "01m8a2bv7jvqs457", false)
	e.Extra = map[string]any{"attempt": 2, "host": "not ours"}
	run := launch.RunInfo{RunID: e.RunID, Task: "nightly", LogFile: e.LogFile}
	if err := n.Finished(context.Background(), run, e); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.method != "POST" || r.path != "/hook/"+token || r.contentType != "application/json" || !strings.HasPrefix(r.ua, "ccq") {
		t.Errorf("request: %s %s %q %q", r.method, r.path, r.contentType, r.ua)
	}
	line, _ := e.Marshal()
	if !strings.HasPrefix(string(r.body), strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "}")[:40]) {
		t.Errorf("body does not start as the history line:\n%s\n%s", r.body, line)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(e.LogFile)
	want := map[string]any{
		"task_id": "nightly", "success": false, "error_type": "exit_error", "tokens": 1500.0,
		"duration_s": 42.125, "log_file": e.LogFile, "timestamp": e.Timestamp, "run_id": e.RunID,
		"exit_code": 1.0, "error_detail": "server_error", "cost_usd": 0.25, "attempt": 2.0,
		"event": "failure", "host": "box", "log_path": abs,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
	text, _ := m["text"].(string)
	for _, s := range []string{"ccq: nightly failed on box (exit_error)", "error: server_error", "exit code: 1",
		"run: 01m8a2bv7jvqs457", "duration: 42.1s", "tokens: 1500", "cost: $0.2500", "log: " + e.LogFile} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	if strings.Count(string(r.body), `"host"`) != 1 {
		t.Errorf("host twice: %s", r.body)
	}
}

func TestCheck(t *testing.T) {
	rcv := newReceiver(t, "")
	n, err := New(Config{URLs: []string{rcv.hook(), "generic+" + rcv.srv.URL + "/generic/" + token}, Host: "box", Services: shoutrrr.Services{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Check(context.Background(), "nightly: success rate 40% < 90%"); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	const want = "ccq check on box: nightly: success rate 40% < 90%"
	for _, r := range reqs {
		if r.path != "/hook/"+token { // shoutrrr's generic: the text as it is
			if string(r.body) != want {
				t.Errorf("%s: body %q", r.path, r.body)
			}
			continue
		}
		var m map[string]string
		if err := json.Unmarshal(r.body, &m); err != nil || m["event"] != "check" || m["host"] != "box" || m["text"] != want {
			t.Errorf("check body %s (%v)", r.body, err)
		}
		if !strings.Contains(string(r.body), "40% < 90%") {
			t.Errorf("check body escapes what needs no escaping: %s", r.body)
		}
	}
}

// TestShoutrrrLocal sends through shoutrrr services that can be pointed
// at 127.0.0.1 over plain http.
func TestShoutrrrLocal(t *testing.T) {
	rcv := newReceiver(t, "")
	host := strings.TrimPrefix(rcv.srv.URL, "http://")
	tests := []struct {
		url      string
		wantPath string
	}{
		{"generic+" + rcv.srv.URL + "/generic/" + token, "/generic/" + token},
		{"generic://" + host + "/g2/" + token + "?disabletls=yes&template=json", "/g2/" + token},
		{"ntfy://" + host + "/" + token + "?scheme=http", "/" + token},
	}
	for _, tt := range tests {
		t.Run(redact.URL(tt.url), func(t *testing.T) {
			if err := Validate(tt.url, shoutrrr.Services{}); err != nil {
				t.Fatal(err)
			}
			n, err := New(Config{URLs: []string{tt.url}, Host: "box", Services: shoutrrr.Services{}})
			if err != nil {
				t.Fatal(err)
			}
			before := len(rcv.requests())
			e := entry("nightly", "r1", false)
			if err := n.Finished(context.Background(), launch.RunInfo{RunID: "r1", Task: "nightly"}, e); err != nil {
				t.Fatal(err)
			}
			reqs := rcv.requests()[before:]
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			if reqs[0].path != tt.wantPath || !strings.Contains(string(reqs[0].body), "nightly failed on box") {
				t.Errorf("got %s %s", reqs[0].path, reqs[0].body)
			}
		})
	}
}

// TestFailures: every way a destination can fail ends in an error that
// names it redacted, within the timeout.
func TestFailures(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	const slack = 3 * time.Second // generous: the race detector, a busy machine
	closedURL := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}
	tests := []struct {
		name, mode string
		generic    bool // through shoutrrr's generic service instead of our webhook
		want       string
		max        time.Duration
	}{
		{"webhook 500", "500", false, "500 Internal Server Error: boom", slack},
		{"webhook hangs", "hang", false, "no answer within 1.5s", timeout + slack},
		{"webhook redirects forever", "redirect", false, "stopped after 5 redirects", slack},
		{"webhook down", "down", false, "connection refused", slack},
		{"shoutrrr 500", "500", true, "500", slack},
		{"shoutrrr hangs", "hang", true, "no answer within 1.5s", timeout + slack},
		{"shoutrrr redirects forever", "redirect", true, "redirects", slack},
		{"shoutrrr down", "down", true, "connection refused", slack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := ""
			if tt.mode == "down" {
				base = closedURL(t)
			} else {
				base = newReceiver(t, tt.mode).srv.URL
			}
			u := base + "/hook/" + token + "?token=" + token
			if tt.generic {
				u = "generic+" + base + "/hook/" + token
			}
			n, err := New(Config{URLs: []string{u}, Timeout: timeout, Host: "box", Services: shoutrrr.Services{}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = n.Finished(context.Background(), launch.RunInfo{RunID: "r", Task: "t"}, entry("t", "r", false))
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("no error")
			}
			noToken(t, err)
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), redact.Marker) {
				t.Errorf("error %q lacks %q or the redacted URL", err, tt.want)
			}
			if elapsed > tt.max {
				t.Errorf("took %v, want under %v", elapsed, tt.max)
			}
		})
	}
}

// TestSecretFreeURLShownWhole: a failing notify URL without a secret is
// named as it is, not as REDACTED, and a path segment that is redacted does
// not eat the same word elsewhere in the warning.
func TestSecretFreeURLShownWhole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: the post is refused
	tests := []struct{ url, want string }{
		{base, "notify " + base + ": "},
		{base + "/", "notify " + base + "/: "},
		{base + "/notify", "notify " + base + "/REDACTED: "},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			n, err := New(Config{URLs: []string{tt.url}, Timeout: 5 * time.Second, Host: "box"})
			if err != nil {
				t.Fatal(err)
			}
			err = n.Finished(context.Background(), launch.RunInfo{RunID: "r", Task: "t"}, entry("t", "r", false))
			if err == nil {
				t.Fatal("a post to a closed port succeeded")
			}
			if !strings.HasPrefix(err.Error(), tt.want) || !strings.Contains(err.Error(), "connection refused") {
				t.Errorf("error %q, want it to start %q and say connection refused", err, tt.want)
			}
		})
	}
}

// TestSecretsInEveryPath: a token in user info, path or query never shows,
// whatever fails. Every URL that gets past validation points at
// 127.0.0.1 (no telegram://: its API host is fixed).
func TestSecretsInEveryPath(t *testing.T) {
	rcv := newReceiver(t, "500")
	host := strings.TrimPrefix(rcv.srv.URL, "http://")
	urls := []string{
		"http://user:" + token + "@" + host + "/x",
		"http://" + host + "/x?token=" + token,
		"ntfy://user:" + token + "@" + host + "/topic?scheme=http",
		"slack://hook:" + token + "@" + "?",                               // malformed
		"discord://" + token + "@",                                        // no webhook id
		"smtp://u:" + token + "@127.0.0.1:1/?to=a@b.c&from=ccq@b.c",       // refused connection
		"nosuch://" + token + "@host/" + token,                            // unknown scheme
		"https://" + host + "/%zz" + token,                                // bad escape
		"ntfy://" + host + "/" + token + "?scheme=http&priority=" + token, // bad priority
	}
	for _, u := range urls {
		t.Run(redact.URL(u), func(t *testing.T) {
			err := Validate(u, shoutrrr.Services{})
			noToken(t, err)
			if err != nil {
				if _, err2 := New(Config{URLs: []string{u}, Services: shoutrrr.Services{}}); err2 == nil {
					t.Error("New accepts what Validate refuses")
				}
				return
			}
			n, err := New(Config{URLs: []string{u}, Timeout: 2 * time.Second, Services: shoutrrr.Services{}})
			if err != nil {
				t.Fatal(err)
			}
			err = n.Finished(context.Background(), launch.RunInfo{RunID: "r", Task: "t"}, entry("t", "r", false))
			if err == nil {
				t.Fatal("a send to a failing endpoint succeeded")
			}
			noToken(t, err)
			err = n.Check(context.Background(), "text")
			noToken(t, err)
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		url, wantErr string
	}{
		{"https://hooks.slack.com/services/T0/B0/" + token, ""},
		{"http://127.0.0.1:9/x", ""},
		{"slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook", ""},
		{"discord://" + token + "@112233445566", ""},
		{"ntfy://ntfy.sh/" + token, ""},
		{"telegram://123456789:" + token + "@telegram?chats=-1001234", ""},
		{"smtp://u:" + token + "@mail.example.com:587/?from=ccq@example.com&to=me@example.com", ""},
		{"matrix://user:" + token + "@matrix.example.com/?rooms=!room:example.com", ""},
		{"hooks.slack.com/services/" + token, "no scheme"},
		{"https:///" + token, "no host"},
		{"nosuch://" + token, `unknown scheme "nosuch"`},
		{"https://x/%zz" + token, "invalid URL escape"},
		{"discord://" + token + "@", "discord"},
	}
	for _, tt := range tests {
		t.Run(redact.URL(tt.url), func(t *testing.T) {
			err := Validate(tt.url, shoutrrr.Services{})
			noToken(t, err)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New with no URL: no error")
	}
}

func TestLastOutcome(t *testing.T) {
	line := func(task, run string, ok bool) string {
		e := entry(task, run, ok)
		b, _ := e.Marshal()
		return string(b)
	}
	big := strings.Repeat(line("other", "x", true), (maxHistoryScan/len(line("other", "x", true)))+10)
	tests := []struct {
		name, content, task, exclude string
		wantOK, wantFound            bool
	}{
		{"last of task", line("a", "1", false) + line("a", "2", true), "a", "", true, true},
		{"own run excluded", line("a", "1", false) + line("a", "2", true), "a", "2", false, true},
		{"other tasks skipped", line("a", "1", false) + line("b", "2", true) + line("c", "3", true), "a", "", false, true},
		{"torn last line", line("a", "1", true) + `{"task_id":"a","success":fal`, "a", "", true, true},
		{"malformed lines", line("a", "1", false) + "not json\n{}\n[1]\n" + `{"task_id":"a"}` + "\n", "a", "", false, true},
		{"no newline at end", strings.TrimSuffix(line("a", "1", true), "\n"), "a", "", true, true},
		{"none", line("b", "1", true), "a", "", false, false},
		{"empty", "", "a", "", false, false},
		{"beyond the scan", line("a", "1", false) + big, "a", "", false, false},
		{"just within", line("other", "0", true) + line("a", "1", false) + strings.Repeat(line("b", "x", true), 100), "a", "", false, true},
		{"task cleaned as recorded", line("x_y", "1", false), "x\ty", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "history.jsonl")
			if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			ok, found, err := LastOutcome(p, tt.task, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK || found != tt.wantFound {
				t.Errorf("LastOutcome = %v, %v; want %v, %v", ok, found, tt.wantOK, tt.wantFound)
			}
		})
	}
	if _, found, err := LastOutcome(filepath.Join(t.TempDir(), "none"), "a", ""); found || err != nil {
		t.Errorf("missing file: %v %v", found, err)
	}
	if _, _, err := LastOutcome(t.TempDir(), "a", ""); err == nil {
		t.Error("a directory: no error")
	}
}

func TestNeverPanics(t *testing.T) {
	n, err := New(Config{URLs: []string{"http://127.0.0.1:9/"}, Previous: func(string, string) (bool, bool) { panic("boom") }, On: OnSuccess})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Finished(context.Background(), launch.RunInfo{}, entry("t", "r", true))
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("err = %v", err)
	}
}
