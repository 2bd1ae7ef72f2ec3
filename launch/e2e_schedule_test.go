package launch

// End-to-end tests of retries, the idle watchdog, overlap, cron silence and
// the sinks: the real Claude Code 2.1.328 against internal/fakeapi,
// through the built `ccq launch`.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// launchAll runs ccq launch --json with args before the task name and
// returns every line it printed (one per attempt), checked like check
// does, its exit code and stderr.
func (r *e2eRun) launchAll(ccqArgs ...string) ([]recorder.Entry, int, string) {
	r.t.Helper()
	args := append(append([]string{}, ccqArgs...), "job", "--", "--dangerously-skip-permissions")
	cmd := r.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var out []recorder.Entry
	for _, l := range bytes.SplitAfter(stdout.Bytes(), []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		e, _, _ := r.check(l, exitCode(err), stderr.String())
		out = append(out, e)
	}
	return out, exitCode(err), stderr.String()
}

// extraOf reads the extras of a history line from the history file.
func extraOf(t *testing.T, logs, runID string) map[string]any {
	t.Helper()
	f, err := os.Open(recorder.HistoryPath(logs))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["run_id"] == runID {
			return m
		}
	}
	t.Fatalf("no line for run %s", runID)
	return nil
}

func endOf(e recorder.Entry) time.Time {
	start, _ := time.Parse(recorder.TimestampLayout, e.Timestamp)
	return start.Add(time.Duration(e.DurationS * float64(time.Second)))
}

func startOf(e recorder.Entry) time.Time {
	start, _ := time.Parse(recorder.TimestampLayout, e.Timestamp)
	return start
}

// wantSeries checks the lines of a series: attempt 1, 2, … all linked to
// the first by retry_of.
func wantSeries(t *testing.T, logs string, es []recorder.Entry) {
	t.Helper()
	for i, e := range es {
		x := extraOf(t, logs, e.RunID)
		if x["attempt"] != float64(i+1) {
			t.Errorf("attempt %d: extra attempt %v", i+1, x["attempt"])
		}
		if i == 0 && x["retry_of"] != nil || i > 0 && x["retry_of"] != es[0].RunID {
			t.Errorf("attempt %d: retry_of %v, first run %s", i+1, x["retry_of"], es[0].RunID)
		}
	}
}

// (1) A 529, then success: two runs, linked, exit 0.
func TestE2ERetryOverloadedThenOK(t *testing.T) {
	r := newE2E(t, func(n int, _ []byte) fakeapi.Reply {
		if n == 1 {
			return fakeapi.Reply{Kind: fakeapi.Error, Status: 529}
		}
		return fakeapi.Reply{Kind: fakeapi.Text}
	}, false)
	es, code, stderr := r.launchAll("--retries", "2", "--retry-delay", "100ms")
	if len(es) != 2 || code != 0 {
		t.Fatalf("%d lines, exit %d, stderr %q", len(es), code, stderr)
	}
	wantOutcome(t, es[0], 1, 1, recorder.ErrExit, "server_error")
	wantOutcome(t, es[1], 0, 0, recorder.ErrNone, "")
	wantSeries(t, r.logs, es)
	if h := claudetest.History(t, recorder.HistoryPath(r.logs)); len(h) != 2 {
		t.Errorf("%d history lines, want 2", len(h))
	}
	if stderr != "" {
		t.Errorf("a success off a terminal printed %q", stderr)
	}
}

// waitNote matches the session log's note of a retry's wait.
var waitNote = regexp.MustCompile(`follows after ([0-9.]+[mµn]?s)`)

// (2) A steady 500: three runs, exit 75, each wait within its cap.
func TestE2ERetrySteadyServerError(t *testing.T) {
	r := newE2E(t, always(fakeapi.Error, 500), false)
	start := time.Now()
	es, code, stderr := r.launchAll("--retries", "2", "--retry-delay", "100ms")
	elapsed := time.Since(start)
	if len(es) != 3 || code != 75 {
		t.Fatalf("%d lines, exit %d, want 3 and 75; stderr %q", len(es), code, stderr)
	}
	wantSeries(t, r.logs, es)
	caps := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	var runs time.Duration
	for i, e := range es {
		wantOutcome(t, e, 1, 1, recorder.ErrExit, "server_error")
		runs += time.Duration(e.DurationS * float64(time.Second))
		if i == len(es)-1 {
			break
		}
		log, _ := os.ReadFile(e.LogFile)
		m := waitNote.FindSubmatch(log)
		if m == nil {
			t.Fatalf("attempt %d's log has no retry note:\n%s", i+1, log)
		}
		d, err := time.ParseDuration(string(m[1]))
		if err != nil || d < 0 || d > caps[i] {
			t.Errorf("wait %d = %v (%v), want within [0, %v]", i+1, d, err, caps[i])
		}
		if gap := startOf(es[i+1]).Sub(endOf(e)); gap < -5*time.Millisecond {
			t.Errorf("attempt %d started %v before attempt %d ended", i+2, -gap, i+1)
		}
	}
	// Everything but the runs themselves: the waits (≤ 300 ms) and ccq's
	// own work, with room for a loaded machine.
	if between := elapsed - runs; between > 300*time.Millisecond+10*time.Second {
		t.Errorf("%v outside the runs, want at most the caps (300ms) and slack", between)
	}
	if !strings.Contains(stderr, "server_error") || !strings.Contains(stderr, "3 attempts") || !strings.Contains(stderr, "no retries left (2)") {
		t.Errorf("failure summary %q", stderr)
	}
}

// (3) A 429 with the unified rate-limit headers: the client (its own
// retries at 1, so that it reports the reset time) gives up; ccq waits
// until the reset time it reported, not its 100 ms backoff.
func TestE2ERetryAtRateLimitReset(t *testing.T) {
	var mu sync.Mutex
	var limited map[string]string
	r := newE2E(t, func(n int, _ []byte) fakeapi.Reply {
		mu.Lock()
		defer mu.Unlock()
		if n <= 2 { // the client's request and its own retry
			return fakeapi.Reply{Kind: fakeapi.Error, Status: 429, Headers: limited}
		}
		return fakeapi.Reply{Kind: fakeapi.Text}
	}, false)
	claudetest.Build(t, "./cmd/ccq")
	// Far enough ahead that the first attempt (node start, the client's own
	// retry) is over before it, on a loaded machine too.
	reset := time.Now().Add(15 * time.Second).Unix()
	mu.Lock()
	limited = map[string]string{
		"retry-after":                                      "1",
		"anthropic-ratelimit-unified-status":               "rejected",
		"anthropic-ratelimit-unified-reset":                strconv.FormatInt(reset, 10),
		"anthropic-ratelimit-unified-representative-claim": "five_hour",
	}
	mu.Unlock()
	r.env = append(r.env, "CLAUDE_CODE_MAX_RETRIES=1")
	es, code, stderr := r.launchAll("--retries", "1", "--retry-delay", "100ms", "--retry-max-delay", "60s")
	if len(es) != 2 || code != 0 {
		t.Fatalf("%d lines, exit %d; stderr %q", len(es), code, stderr)
	}
	wantOutcome(t, es[0], 1, 1, recorder.ErrExit, "rate_limit")
	if got := startOf(es[1]); got.Before(time.Unix(reset, 0)) {
		t.Errorf("attempt 2 started at %v, before the reset %v", got, time.Unix(reset, 0))
	}
	log, _ := os.ReadFile(es[0].LogFile)
	if endOf(es[0]).Before(time.Unix(reset, 0)) && !strings.Contains(string(log), "rateLimits.resetsAt") {
		t.Errorf("attempt 1's log does not say it waited for the reset:\n%s", log)
	}
	if !endOf(es[0]).Before(time.Unix(reset, 0)) {
		t.Logf("attempt 1 ended after the reset time: the machine is too slow for this test to tell")
	}
}

// (4) The API opens the stream and goes silent: the idle watchdog ends
// the run like a timeout, and nothing of it is left (check).
func TestE2EIdleTimeout(t *testing.T) {
	r := newE2E(t, always(fakeapi.Stall, 0), false)
	start := time.Now()
	e, code, _ := r.launch([]string{"--idle-timeout", "3s", "--timeout", "60s", "--grace", "2s"})
	wantOutcome(t, e, code, 124, recorder.ErrTimeout, "idle for 3s (no output)")
	if d := time.Since(start); d > 45*time.Second {
		t.Errorf("took %v: the idle timeout did not end it", d)
	}
}

// (5) Two launches of one task at once: the second starts nothing, exits
// 75 and says why; one claude ran.
func TestE2EOverlapSkip(t *testing.T) {
	r := newE2E(t, always(fakeapi.Hang, 0), false)
	first := r.command("--timeout", "60s", "--grace", "2s", "job", "--", "--dangerously-skip-permissions")
	var out1 bytes.Buffer
	first.Stdout = &out1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for r.srv.Requests() == 0 { // the first run is in claude's hands
		if time.Now().After(deadline) {
			t.Fatal("the first run never reached the API")
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := r.command("job")
	var stdout, stderr bytes.Buffer
	second.Stdout, second.Stderr = &stdout, &stderr
	err := second.Run()
	if code := exitCode(err); code != 75 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "skipped: another run of the task is in progress") {
		t.Errorf("second launch: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	_ = first.Process.Signal(syscall.SIGINT)
	code := exitCode(first.Wait())
	e, _, _ := r.check(out1.Bytes(), code, "")
	if n := r.srv.Requests(); n != 1 {
		t.Errorf("%d API requests: more than one claude ran", n)
	}
	if h := claudetest.History(t, recorder.HistoryPath(r.logs)); len(h) != 1 {
		t.Errorf("%d history lines, want 1 (a skip is not a run)", len(h))
	}
	skips, _ := os.ReadFile(SkipsPath(r.logs))
	var sk Skip
	if err := json.Unmarshal(skips, &sk); err != nil || sk.Task != "job" || sk.HolderRunID != e.RunID || sk.HolderPID == 0 {
		t.Errorf("skips.jsonl %q (%v), want one line naming run %s", skips, err, e.RunID)
	}
}

// (6) Cron mode: off a terminal a success prints nothing at all, a
// failure a summary on stderr.
func TestE2ECronSilence(t *testing.T) {
	fail := false
	var mu sync.Mutex
	r := newE2E(t, func(int, []byte) fakeapi.Reply {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return fakeapi.Reply{Kind: fakeapi.Error, Status: 500}
		}
		return fakeapi.Reply{Kind: fakeapi.Text}
	}, false)
	run := func() (string, string, int) {
		bin := claudetest.Build(t, "./cmd/ccq")
		cmd := r.command()
		cmd.Args = []string{bin + "/ccq", "launch", "job", "--", "--dangerously-skip-permissions"}
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		return o.String(), e.String(), exitCode(err)
	}
	if o, e, code := run(); o != "" || e != "" || code != 0 {
		t.Errorf("success: exit %d, stdout %q, stderr %q; want 0 bytes on both", code, o, e)
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	o, e, code := run()
	if o != "" || code != 1 || !strings.Contains(e, "exit_error (server_error)") || !strings.Contains(e, "end of the session log") {
		t.Errorf("failure: exit %d, stdout %q, stderr %q", code, o, e)
	}
}

// pingServer records the pings and webhook posts it gets.
type pingServer struct {
	mu    sync.Mutex
	paths []string
	body  map[string]string
}

func (p *pingServer) handler(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	p.body[r.URL.Path] = string(b)
	p.mu.Unlock()
}

func (p *pingServer) got() ([]string, map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := map[string]string{}
	for k, v := range p.body {
		b[k] = v
	}
	return append([]string(nil), p.paths...), b
}

// TestE2EPingAndNotify: a failed run (API 500) reaches the ping server's
// /fail with the error in the body, and the webhook with one message.
func TestE2EPingAndNotify(t *testing.T) {
	r := newE2E(t, always(fakeapi.Error, 500), false)
	ps := &pingServer{body: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(ps.handler))
	defer srv.Close()
	r.env = append(r.env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	es, code, stderr := r.launchAll("--ping-url", srv.URL+"/ping/abc", "--notify", srv.URL+"/hook")
	if len(es) != 1 || code != 1 {
		t.Fatalf("%d lines, exit %d; stderr %q", len(es), code, stderr)
	}
	paths, body := ps.got()
	want := map[string]int{"/ping/abc/start": 1, "/ping/abc/fail": 1, "/hook": 1}
	count := map[string]int{}
	for _, p := range paths {
		count[p]++
	}
	for p, n := range want {
		if count[p] != n {
			t.Errorf("%s got %d requests, want %d (all: %v)", p, count[p], n, paths)
		}
	}
	if !strings.Contains(body["/ping/abc/fail"], "server_error") || !strings.Contains(body["/ping/abc/fail"], "fake failure 500") {
		t.Errorf("/fail body lacks the error:\n%s", body["/ping/abc/fail"])
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(body["/hook"]), &msg); err != nil || msg["event"] != "failure" || msg["run_id"] != es[0].RunID {
		t.Errorf("webhook message %s (%v)", body["/hook"], err)
	}
	if x := extraOf(t, r.logs, es[0].RunID); x["ping_rid"] == nil || x["ping_error"] != nil {
		t.Errorf("extras %v: want ping_rid and no ping_error", x)
	}
}

// TestE2EPingTrouble: a ping server that hangs adds at most the ping
// timeout (per ping); one that is down changes nothing in the line but the
// extra that says so.
func TestE2EPingTrouble(t *testing.T) {
	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	defer hanging.Close()
	defer close(hang)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	for _, tc := range []struct{ name, url string }{{"hangs", hanging.URL}, {"down", downURL}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newE2E(t, always(fakeapi.Text, 0), false)
			start := time.Now()
			es, code, stderr := r.launchAll("--ping-url", tc.url+"/p/x", "--ping-timeout", "1s")
			elapsed := time.Since(start)
			if len(es) != 1 || code != 0 {
				t.Fatalf("%d lines, exit %d; stderr %q", len(es), code, stderr)
			}
			wantOutcome(t, es[0], code, 0, recorder.ErrNone, "")
			x := extraOf(t, r.logs, es[0].RunID)
			if e, _ := x["ping_error"].(string); e == "" || strings.Contains(e, "/p/x") {
				t.Errorf("ping_error %q: want the failure, without the URL's secret path", e)
			}
			for k := range x {
				switch k {
				case "task_id", "success", "error_type", "tokens", "duration_s", "log_file", "timestamp", "run_id", "session_id",
					"exit_code", "usage", "tokens_source", "cost_usd", "model", "turns", "recorded_by", "ping_rid", "ping_error", "fp":
				default:
					t.Errorf("unexpected key %s in %v", k, x)
				}
			}
			// Two pings, each bounded by --ping-timeout 1s, around the run.
			if added := elapsed - time.Duration(es[0].DurationS*float64(time.Second)); added > 2*time.Second+10*time.Second {
				t.Errorf("the pings added %v, want at most 2×1s and slack", added)
			}
		})
	}
}
