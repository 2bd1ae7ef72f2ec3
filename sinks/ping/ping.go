// Package ping tells a dead-man's switch about ccq's runs, in the
// healthchecks.io ping protocol (https://healthchecks.io/docs/http_api/),
// which self-hosted Healthchecks instances speak too.
//
// # Protocol
//
// Given the check's ping URL U (https://hc-ping.com/<uuid>, or
// …/<ping-key>/<slug>), a run sends:
//
//	POST U/start?rid=R   when the launcher starts the run (Started)
//	POST U?rid=R         when its history line says success (Finished)
//	POST U/fail?rid=R    when it says anything else (Finished)
//	POST U/log?rid=R     when a failed attempt will be retried (Retrying)
//	POST U/fail          when a scheduled launch did not happen (Skipped)
//
// R is RunUUID(run id): a UUID derived from ccq's run id, so the service
// pairs start and end (and measures the duration) even when runs of one
// check overlap, and the launcher can put the same value in the history
// line. Success and failure are ccq's verdict, not Claude Code's exit code:
// an API error can exit 0 and a timeout has no exit code, so the
// U/<exit-code> form would report the wrong thing; the exit code is in the
// body instead.
//
// A failed attempt that the scheduler will retry pings /log, which the
// service records without changing the check's state: an alert for an
// attempt that the next one may make good would be noise, and the next
// attempt's /start (its own rid) and its end settle the state. A skipped
// launch pings /fail at once rather than /log: the check expected a run
// and none came, which is what a dead-man's switch is for, and /fail says
// why now instead of after the grace period.
//
// The body (text/plain, as the service stores it) is a short summary —
// task, outcome, error detail, exit code, duration, tokens, cost, attempt,
// host, log path — followed by the end of the session log. The whole body
// stays within Config.MaxBody (100,000 bytes, the service's default limit,
// lowered when a response's Ping-Body-Limit header says the instance takes
// less): the log is cut from its start, never the summary, on a character
// boundary.
//
// # Discipline (after runitor)
//
// A ping never changes a run: errors are returned for the launcher to turn
// into a warning, and a panic becomes an error. One ping takes at most
// Config.Timeout (10 s) in all: each request at most 5 s, a 408, 429 or
// 5xx answer or a network error retried up to Config.Retries times (2)
// with a linear backoff (1 s, 2 s), never past the total. Other answers
// (404: no such check, 400: bad rid) are final. Redirects are followed at
// most 5 times. Errors name the URL only in redacted form
// (internal/redact) and never wrap the *url.Error that holds it.
//
// # Wiring
//
// cmd/ccq/sinks.go reads --ping-url, else the task's front matter
// ping_url, else $CCQ_PING_URL, checks it at start (a bad one is a usage
// error, exit 2) and passes New(Config{URL: …}) among
// launch.Options.Sinks. The launcher calls the optional interfaces of its
// seam: Annotate puts RunUUID(runID) in each history line as "ping_rid",
// SinkName makes a failed /start the line's "ping_error", Finished of an
// attempt that will be retried (RunInfo.WillRetry) pings /log, and
// Skipped is called for a launch that started nothing.
package ping

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/internal/idhash"
	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/internal/web"
	"github.com/ccq-dev/ccq/sinks/ping/pingurl"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultRetries        = 2
	DefaultBackoff        = time.Second
	// DefaultMaxBody is healthchecks.io's default ping body limit: it
	// keeps the first 100,000 bytes of a longer body.
	DefaultMaxBody = 100_000
)

// Config says where and how to ping. Only URL is required.
type Config struct {
	// URL is the check's ping URL, http or https, without the /start or
	// /fail suffix.
	URL string
	// Timeout bounds one ping, retries included (0: DefaultTimeout).
	Timeout time.Duration
	// RequestTimeout bounds one HTTP request (0: DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Retries is how many times a request that failed with a network
	// error, 408, 429 or 5xx is tried again (0: DefaultRetries; negative:
	// never).
	Retries int
	// Backoff is the unit of the linear wait between tries (0:
	// DefaultBackoff).
	Backoff time.Duration
	// MaxBody caps the body in bytes (0: DefaultMaxBody).
	MaxBody int
	// NoLogTail leaves the session log out of the body: only the summary
	// is sent.
	NoLogTail bool
	// Host names this machine in bodies ("": os.Hostname).
	Host string
	// UserAgent is sent with every request ("": "ccq/<version>").
	UserAgent string
	// Client sends the requests (nil: a client on http.DefaultTransport).
	// Its CheckRedirect and Timeout are not used.
	Client *http.Client
}

// Pinger sends a run's pings. It implements launch.Sink and is safe for
// concurrent use.
type Pinger struct {
	base      *url.URL
	printable string   // the URL, redacted
	secrets   []string // what to scrub from errors
	cfg       Config
	client    *http.Client

	mu      sync.Mutex
	maxBody int // lowered by a Ping-Body-Limit header
}

var (
	_ launch.Sink      = (*Pinger)(nil)
	_ launch.Skipper   = (*Pinger)(nil)
	_ launch.Annotator = (*Pinger)(nil)
	_ launch.Namer     = (*Pinger)(nil)
)

// Validate checks a ping URL without sending anything. The error names the
// URL only in redacted form.
func Validate(rawURL string) error {
	_, err := pingurl.Parse(rawURL)
	return err
}

// New returns a Pinger for cfg, or an error if cfg.URL is not a usable
// ping URL.
func New(cfg Config) (*Pinger, error) {
	u, err := pingurl.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if q := u.Query(); q.Has("rid") { // each ping sets its own, or none
		q.Del("rid")
		u.RawQuery = q.Encode()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = web.UserAgent()
	}
	client := web.Client(cfg.Client)
	return &Pinger{
		base:      u,
		printable: redact.URL(cfg.URL),
		secrets:   redact.Secrets(cfg.URL),
		cfg:       cfg,
		client:    client,
		maxBody:   cfg.MaxBody,
	}, nil
}

// RunUUID returns the rid a run's pings carry (internal/idhash): a UUID
// derived from the run id alone.
func RunUUID(runID string) string { return idhash.RunUUID(runID) }

// SinkName names the pinger in the launcher's warnings and in the history
// line's "ping_error".
func (p *Pinger) SinkName() string { return "ping" }

// Annotate puts the run's rid into its history line as "ping_rid".
func (p *Pinger) Annotate(run launch.RunInfo) map[string]any {
	if run.RunID == "" {
		return nil
	}
	return map[string]any{"ping_rid": RunUUID(run.RunID)}
}

// Started pings /start: the run begins, as attempt run.Attempt of a
// series (StartedAttempt).
func (p *Pinger) Started(ctx context.Context, run launch.RunInfo) error {
	return p.StartedAttempt(ctx, run, max(run.Attempt, 1))
}

// StartedAttempt pings /start for attempt number attempt (1 for the
// first) of a scheduled run; a retry is a run of its own with its own run
// id.
func (p *Pinger) StartedAttempt(ctx context.Context, run launch.RunInfo, attempt int) (err error) {
	defer p.recover(&err)
	var b strings.Builder
	fmt.Fprintf(&b, "ccq: %s started", label(run.Task, run.RunID))
	if attempt > 1 {
		fmt.Fprintf(&b, " (attempt %d)", attempt)
	}
	fmt.Fprintf(&b, " on %s\n", p.cfg.Host)
	if !run.Start.IsZero() {
		fmt.Fprintf(&b, "start: %s\n", run.Start.UTC().Format(recorder.TimestampLayout))
	}
	if run.LogFile != "" {
		fmt.Fprintf(&b, "log: %s\n", run.LogFile)
	}
	return p.send(ctx, "start", RunUUID(run.RunID), []byte(b.String()))
}

// Finished pings success or /fail as the history line e says, with the
// summary and the log's tail as the body; an attempt the launcher will
// retry (run.WillRetry) pings /log instead (Retrying).
func (p *Pinger) Finished(ctx context.Context, run launch.RunInfo, e recorder.Entry) (err error) {
	if run.WillRetry {
		return p.Retrying(ctx, run, e, max(run.Attempt, 1)+1)
	}
	defer p.recover(&err)
	kind := "fail"
	if e.Success {
		kind = ""
	}
	return p.send(ctx, kind, RunUUID(runID(run, e)), p.body(run, e, ""))
}

// Retrying pings /log for a failed attempt that the scheduler will try
// again as attempt next: the service logs it without raising an alert.
func (p *Pinger) Retrying(ctx context.Context, run launch.RunInfo, e recorder.Entry, next int) (err error) {
	defer p.recover(&err)
	note := fmt.Sprintf("will retry: attempt %d follows", next)
	return p.send(ctx, "log", RunUUID(runID(run, e)), p.body(run, e, note))
}

// Skipped pings /fail for a launch that did not happen, with the reason
// as the body. It carries no rid: no run started.
func (p *Pinger) Skipped(ctx context.Context, task, reason string) (err error) {
	defer p.recover(&err)
	body := fmt.Sprintf("ccq: task %s was not launched on %s: %s\n", task, p.cfg.Host, reason)
	return p.send(ctx, "fail", "", []byte(clamp.String(body, p.bodyLimit())))
}

func runID(run launch.RunInfo, e recorder.Entry) string {
	if run.RunID != "" {
		return run.RunID
	}
	return e.RunID
}

func label(task, runID string) string {
	if runID == "" {
		return "task " + task
	}
	return "task " + task + " run " + runID
}

// recover turns a panic into an error: a ping must never take the
// launcher down.
func (p *Pinger) recover(err *error) {
	if r := recover(); r != nil {
		*err = redact.Error(fmt.Errorf("ping %s: panic: %v", p.printable, r), p.secrets...)
	}
}

func (p *Pinger) bodyLimit() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxBody
}
