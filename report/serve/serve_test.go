package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/report"
)

func appendRuns(t *testing.T, logs string, from, n int, at time.Time) {
	t.Helper()
	for i := from; i < from+n; i++ {
		e := recorder.Entry{TaskID: fmt.Sprintf("task-%d", i%7), Success: i%3 != 0, Tokens: int64(100 + i), RunID: fmt.Sprintf("r%d", i)}
		if !e.Success {
			e.ErrorType, e.ErrorDetail = recorder.ErrExit, "rate_limit"
		}
		e.SetStart(at.Add(time.Duration(i) * time.Minute))
		e.SetDuration(time.Duration(30+i%50) * time.Second)
		if err := recorder.Append(logs, &e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestServeBoundedAndCached sends many page requests at once over real
// sockets: one page is made, every answered request gets it, those beyond
// the few allowed to wait are turned away with 503, and the page is made
// again only once the history changes.
func TestServeBoundedAndCached(t *testing.T) {
	logs := t.TempDir()
	now := time.Now().UTC()
	appendRuns(t, logs, 0, 2000, now.Add(-48*time.Hour))
	hist := recorder.HistoryPath(logs)
	var inOptions, maxInOptions atomic.Int64
	s := NewServer(ServeOptions{
		Options: func(now time.Time) (report.Options, error) {
			n := inOptions.Add(1)
			defer inOptions.Add(-1)
			for m := maxInOptions.Load(); n > m && !maxInOptions.CompareAndSwap(m, n); m = maxInOptions.Load() {
			}
			return report.Options{History: hist, Now: now}, nil
		},
		Log: io.Discard,
	})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	const parallel = 40
	type answer struct {
		code int
		body string
	}
	answers := make([]answer, parallel)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := srv.Client().Get(srv.URL + "/")
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers[i] = answer{resp.StatusCode, string(b)}
		}()
	}
	close(start)
	wg.Wait()
	ok, busy := 0, 0
	var page string
	for _, a := range answers {
		switch a.code {
		case http.StatusOK:
			ok++
			if page == "" {
				page = a.body
			} else if a.body != page {
				t.Error("two requests got different pages from an unchanged history")
			}
		case http.StatusServiceUnavailable:
			busy++
		default:
			t.Errorf("status %d: %s", a.code, a.body)
		}
	}
	if ok == 0 || ok+busy != parallel {
		t.Fatalf("%d pages and %d busy answers of %d requests", ok, busy, parallel)
	}
	if !strings.Contains(page, "task-6") {
		t.Fatal("the page does not show the history")
	}
	if n := s.renders.Load(); n != 1 {
		t.Errorf("%d pages made for %d requests on an unchanged history, want 1", n, parallel)
	}
	if m := maxInOptions.Load(); m != 1 {
		t.Errorf("%d pages made at once, want 1", m)
	}

	get := func() string {
		resp, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		return string(b)
	}
	get()
	if n := s.renders.Load(); n != 1 {
		t.Errorf("a later request on an unchanged history made a page again (%d made)", n)
	}
	appendRuns(t, logs, 2000, 1, now.Add(-48*time.Hour))
	if p := get(); p == page {
		t.Error("a run appended to the history is not on the page")
	}
	if n := s.renders.Load(); n != 2 {
		t.Errorf("%d pages made, want 2 after the history changed", n)
	}
}

// TestServeRefusesOthers: only / is a page; another path or method costs
// no render.
func TestServeRefusesOthers(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "history.jsonl")
	s := NewServer(ServeOptions{Options: func(now time.Time) (report.Options, error) { return report.Options{History: hist, Now: now}, nil }})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, p := range []string{"/x", "/report.html", "/../etc/passwd"} {
		resp, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	resp, err := srv.Client().Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", resp.StatusCode)
	}
	if n := s.renders.Load(); n != 0 {
		t.Errorf("%d pages made for requests that get none", n)
	}
}

// TestServeDropsStalledClient: a client that sends half a request header
// and stalls is disconnected (ReadHeaderTimeout), not held forever.
func TestServeDropsStalledClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	hist := filepath.Join(t.TempDir(), "history.jsonl")
	go func() {
		done <- Serve(ctx, ln, ServeOptions{Options: func(now time.Time) (report.Options, error) { return report.Options{History: hist, Now: now}, nil }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// Generous: the server's header deadline is 10 s.
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	_, err = bufio.NewReader(c).ReadString('\n')
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still holds a stalled connection after 60 s")
	}
}
