// Package serve is `ccq report --serve`: the report's page over HTTP. It
// lives apart from package report so that ccq, which renders the page to a
// file, links no net/http; ccq-helper serves it (ccq-helper report-serve).
package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccq-dev/ccq/internal/webserve"
	"github.com/ccq-dev/ccq/report"
)

// ServeOptions are what `ccq report --serve` needs, read once from its
// flags: the server outlives the command's parsing, so it takes values,
// not the command line.
type ServeOptions struct {
	// Options returns the page's options as of now. It is called for
	// each page request (one at a time), so that runs closed or started
	// since, and filters relative to now (--since 7d), count.
	Options func(now time.Time) (report.Options, error)
	// Log receives the errors a request met (stderr).
	Log io.Writer
	// MaxAge is how long a page is served again while the history and
	// the runs in progress are unchanged; 0 means DefaultMaxAge. The page
	// shows its time to the minute, and relative filters move with it.
	MaxAge time.Duration
	// MaxWaiting is how many page requests may wait for the one render
	// at a time; more are answered 503 at once. 0 means DefaultMaxWaiting.
	MaxWaiting int
}

// Defaults of ServeOptions.
const (
	DefaultMaxAge     = time.Minute
	DefaultMaxWaiting = 8
)

// Server serves the page at /. A page costs a read of the whole history
// (memory grows with it), so it renders one page at a time, lets a few
// requests wait for it, turns the rest away, and serves the page it made
// again while nothing it shows has changed: a hundred browsers reloading
// cost one render.
type Server struct {
	opt     ServeOptions
	waiting chan struct{} // a slot per request allowed to wait
	mu      sync.Mutex    // held while a page is looked up or made
	last    *servedPage   // under mu
	renders atomic.Int64  // pages made, for tests
}

type servedPage struct {
	key  pageKey
	at   time.Time
	body []byte
}

// pageKey is what a page depends on besides time: the history file (its
// identity, size and modification time; a history replaced or appended to
// has another) and the runs in progress.
type pageKey struct {
	exists     bool
	size       int64
	mtime      time.Time
	info       os.FileInfo // compared with os.SameFile: device and inode
	inProgress string
}

func (k pageKey) same(o pageKey) bool {
	if k.exists != o.exists || k.size != o.size || !k.mtime.Equal(o.mtime) || k.inProgress != o.inProgress {
		return false
	}
	return !k.exists || os.SameFile(k.info, o.info)
}

func keyOf(opt report.Options) pageKey {
	var k pageKey
	if st, err := os.Stat(opt.History); err == nil {
		k = pageKey{exists: true, size: st.Size(), mtime: st.ModTime(), info: st}
	}
	ids := make([]string, 0, len(opt.InProgress))
	for _, r := range opt.InProgress {
		ids = append(ids, r.ID+"\x00"+r.Task+"\x00"+r.Waiting+"\x00"+r.Start.String())
	}
	slices.Sort(ids)
	k.inProgress = strings.Join(ids, "\n")
	return k
}

// NewServer is a Server over opt.
func NewServer(opt ServeOptions) *Server {
	if opt.MaxAge <= 0 {
		opt.MaxAge = DefaultMaxAge
	}
	if opt.MaxWaiting <= 0 {
		opt.MaxWaiting = DefaultMaxWaiting
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	return &Server{opt: opt, waiting: make(chan struct{}, opt.MaxWaiting)}
}

// errBusy: more requests than may wait.
var errBusy = errors.New("busy: too many page requests at once")

// Handler serves the page at / (GET and HEAD), nothing else.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		body, err := s.page(time.Now())
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "ccq report: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if err != nil {
			fmt.Fprintf(s.opt.Log, "ccq: error: report: %v\n", err)
			http.Error(w, "ccq report: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
	return mux
}

// page is the page as of now: the last one made, while it is fresh, or a
// new one.
func (s *Server) page(now time.Time) ([]byte, error) {
	select {
	case s.waiting <- struct{}{}:
		defer func() { <-s.waiting }()
	default:
		return nil, errBusy
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	opt, err := s.opt.Options(now)
	if err != nil {
		return nil, err
	}
	opt.NoLogLinks = true // the server does not serve session logs (they can hold secrets)
	key := keyOf(opt)
	if l := s.last; l != nil && l.key.same(key) && now.Sub(l.at) < s.opt.MaxAge && !now.Before(l.at) {
		return l.body, nil
	}
	s.renders.Add(1)
	var b bytes.Buffer
	if err := report.Generate(&b, opt); err != nil {
		return nil, err
	}
	s.last = &servedPage{key: key, at: now, body: b.Bytes()}
	return s.last.body, nil
}

// Serve serves the page on ln until ctx is done, then shuts down, giving
// requests in flight a few seconds. Every phase of a request has a
// deadline, so a slow or stalled client holds a connection for a bounded
// time.
func Serve(ctx context.Context, ln net.Listener, opt ServeOptions) error {
	srv := &http.Server{
		Handler:           NewServer(opt).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // waiting for a render of a large history included
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	return webserve.Run(ctx, srv, ln)
}
