package ping

import (
	"context"
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

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// launchWithPing runs the launcher's nap stand-in (sleep seconds, exit 0)
// with timeout and a Pinger on url.
func launchWithPing(t *testing.T, cfg Config, sleep string, timeout time.Duration) (*launch.Outcome, recorder.Entry) {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	claude, err := filepath.Abs(filepath.Join("..", "..", "launch", "testdata", "nap.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := launch.Options{
		Task:    &launch.Task{Name: "job", Path: filepath.Join(dir, "job.md"), Prompt: "Do the job."},
		Flags:   launch.Settings{Timeout: timeout},
		Claude:  claude,
		Env:     map[string]string{"PATH": os.Getenv("PATH"), "HOME": dir, "STANDIN_SLEEP": sleep},
		Cwd:     dir,
		LogsDir: filepath.Join(dir, "logs"),
		Grace:   time.Second,
		Sinks:   []launch.Sink{p},
	}
	out, err := launch.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return out, out.Entry
}

// TestDeadEndpointOffTheClock: a /start ping to a dead or hanging endpoint
// changes neither the run's ending nor its duration: a 0.5 s task under a
// 2 s timeout succeeds although the ping tries for longer than that.
func TestDeadEndpointOffTheClock(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() + "/ping/" + secret
	l.Close()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(func() { close(release); hang.Close() })
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		// Refused at once, retried after 1 s and 2 s: about 3 s in all.
		{"dead port", Config{URL: dead}},
		// No answer until the ping's own bound.
		{"hanging", Config{URL: hang.URL + "/ping/" + secret, Timeout: 3 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, e := launchWithPing(t, tc.cfg, "0.5", 2*time.Second)
			if out.Ending != launch.Exited || out.Code != 0 || !e.Success {
				t.Fatalf("%v (code %d), entry %+v", out.Ending, out.Code, e)
			}
			if e.DurationS < 0.5 || e.DurationS > 1.5 {
				t.Errorf("duration %.3f s, want about the task's 0.5 s", e.DurationS)
			}
			if msg, _ := e.Extra["ping_error"].(string); msg == "" || strings.Contains(msg, secret) {
				t.Errorf("ping_error %q: want the failure, redacted", msg)
			}
		})
	}
}

// TestFinishAfterStart: a /start that is answered late (after the run is
// over) still reaches the service before the run's final ping, which would
// otherwise leave the check marked as running.
func TestFinishAfterStart(t *testing.T) {
	var mu sync.Mutex
	var events []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		kind := "success"
		if strings.HasSuffix(r.URL.Path, "/start") {
			kind = "start"
			time.Sleep(1500 * time.Millisecond) // longer than the run
		}
		mu.Lock()
		events = append(events, kind)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	out, e := launchWithPing(t, Config{URL: srv.URL + "/ping/" + secret}, "0.2", 0)
	if out.Ending != launch.Exited || !e.Success || e.DurationS > 1.4 {
		t.Fatalf("%v, entry %+v", out.Ending, e)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(events, ",") != "start,success" {
		t.Errorf("the service saw %q, want the start answered before the success came", events)
	}
}
