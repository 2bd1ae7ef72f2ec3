// Package notify sends a message when a run fails and when its task
// recovers, to chat services, e-mail or a webhook.
//
// # When
//
// By default a message goes out for every failed run and for a recovery:
// the first success after a failure of the same task. Successes after
// successes say nothing: a message per run would be muted within a week.
// Config.On changes that (ParseOn("failure,recovery,success")); a recovery
// also goes out when On has success but not recovery, labelled as what it
// is. The previous outcome of a task comes from Config.Previous, or from
// the history file (LastOutcome reads its end, at most 4 MiB, backwards).
// Check sends the text of a missed threshold from `ccq check --notify`.
//
// # Where
//
// Each URL in Config.URLs is one destination:
//
//   - http:// or https:// — a JSON webhook: POST of the run's history line
//     (the same keys, in the same order) plus "event" ("failure",
//     "recovery", "success", "check"), "host", "text" (the message, under
//     the key Slack, Mattermost and Rocket.Chat incoming webhooks display)
//     and "log_path" (the session log as an absolute path). A check
//     message has only event, host and text. Any 2xx answer is success.
//   - any other scheme — a service of shoutrrr
//     (github.com/nicholas-fedor/shoutrrr): slack://, discord://,
//     telegram://, ntfy://, smtp://, gotify://, matrix://, teams://,
//     generic+http://… (see its documentation for each URL's form).
//
// shoutrrr (the maintained fork of containrrr/shoutrrr, v0.13.2) needs Go
// 1.25 and adds only mattn/go-colorable, mattn/go-isatty and golang.org/x
// packages the module has already to the build. It takes no context: a
// send runs in a goroutine that Finished stops waiting for at the timeout
// (the goroutine ends with its connection, or with the process — ccq is
// short-lived). The matrix service logs in when it is set up, so Validate
// checks a matrix:// URL's form only. shoutrrr is reached through
// Config.Services (sinks/notify/shoutrrr), which only ccq-helper links:
// ccq itself posts webhooks and hands a service URL to the helper.
//
// # Failures
//
// Each destination gets the message once (no retries: a duplicate alert
// is worse than a late one, and the next failure will speak again), within
// Config.Timeout (10 s), all at once. A destination that is down, slow,
// redirects more than 5 times or answers with an error yields an error that
// names it only in redacted form (internal/redact); the errors of all
// destinations are joined. Nothing panics out of this package.
//
// # Wiring
//
// cmd/ccq/sinks.go reads --notify URL (repeatable), else the task's
// notify, else $CCQ_NOTIFY (comma- or space-separated), and --notify-on,
// else notify_on, else $CCQ_NOTIFY_ON. It validates every URL and the set
// at start (a bad one is a usage error, exit 2), then passes New(Config{…,
// HistoryPath: <history.jsonl>}) among launch.Options.Sinks. An attempt
// that ccq launch will retry sends nothing. `ccq check --notify URL` calls
// New(…).Check(ctx, text) when a threshold is missed.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/internal/web"
	"github.com/ccq-dev/ccq/sinks/notify/notifyurl"
)

// Event is what a message is about.
type Event string

// The events.
const (
	EventFailure  Event = "failure"  // a run failed
	EventRecovery Event = "recovery" // a run succeeded after its task's failed run
	EventSuccess  Event = "success"  // a run succeeded
	EventCheck    Event = "check"    // ccq check found a threshold missed
)

// On is the set of run events that send a message (notifyurl.On: ccq
// reads it before a run without linking this package).
type On = notifyurl.On

// The members of On.
const (
	OnFailure  = notifyurl.OnFailure
	OnRecovery = notifyurl.OnRecovery
	OnSuccess  = notifyurl.OnSuccess
)

// DefaultOn sends on every failure and on recovery.
const DefaultOn = notifyurl.DefaultOn

// ParseOn reads a comma-separated set of "failure", "recovery", "success"
// (or "all"): notifyurl.ParseOn.
func ParseOn(s string) (On, error) { return notifyurl.ParseOn(s) }

// DefaultTimeout bounds one send to one destination.
const DefaultTimeout = 10 * time.Second

// Config says where to send and when. Only URLs is required.
type Config struct {
	// URLs are the destinations (see the package doc).
	URLs []string
	// On is when a run sends a message (0: DefaultOn).
	On On
	// Timeout bounds each send (0: DefaultTimeout).
	Timeout time.Duration
	// Previous returns the outcome of the task's last run before the run
	// runID, and false if there is none. Nil: read HistoryPath.
	Previous func(task, runID string) (success, ok bool)
	// HistoryPath is history.jsonl, read when Previous is nil. With
	// neither, no success counts as a recovery.
	HistoryPath string
	// Host names this machine in messages ("": os.Hostname).
	Host string
	// UserAgent is sent to webhooks ("": "ccq/<version>").
	UserAgent string
	// Services delivers to the URLs that are not http(s) (nil: such a URL
	// is refused). ccq-helper sets it to shoutrrr's.
	Services Services
	// Client posts to webhooks (nil: a client on http.DefaultTransport).
	// Its CheckRedirect and Timeout are not used.
	Client *http.Client
}

// Notifier sends messages. It implements launch.Sink and is safe for
// concurrent use.
type Notifier struct {
	cfg    Config
	dests  []dest
	client *http.Client
}

// dest is one destination, with what it takes to keep its secrets.
type dest struct {
	raw       string
	printable string
	secrets   []string
	webhook   bool // plain http(s): our JSON; else shoutrrr
}

var (
	_ launch.Sink  = (*Notifier)(nil)
	_ launch.Namer = (*Notifier)(nil)
)

// SinkName names the notifier in the launcher's warnings.
func (n *Notifier) SinkName() string { return "notify" }

// New returns a Notifier for cfg, or an error naming (redacted) the first
// URL that Validate refuses.
func New(cfg Config) (*Notifier, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("notify: no URL")
	}
	var dests []dest
	for _, raw := range cfg.URLs {
		if err := Validate(raw, cfg.Services); err != nil {
			return nil, err
		}
		raw = strings.TrimSpace(raw)
		u, _ := url.Parse(raw)
		dests = append(dests, dest{
			raw:       raw,
			printable: redact.URL(raw),
			secrets:   redact.Secrets(raw),
			webhook:   u.Scheme == "http" || u.Scheme == "https",
		})
	}
	if cfg.On == 0 {
		cfg.On = DefaultOn
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = web.UserAgent()
	}
	if cfg.Previous == nil && cfg.HistoryPath != "" {
		path := cfg.HistoryPath
		cfg.Previous = func(task, runID string) (bool, bool) {
			ok, found, err := LastOutcome(path, task, runID)
			return ok, found && err == nil
		}
	}
	client := web.Client(cfg.Client)
	return &Notifier{cfg: cfg, dests: dests, client: client}, nil
}

// Started does nothing: a run that starts is no news.
func (n *Notifier) Started(context.Context, launch.RunInfo) error { return nil }

// Finished sends the run's message if its event is in On. An attempt the
// launcher will retry (run.WillRetry) sends nothing: the next attempt may
// make it good, and the series' last attempt speaks for it.
func (n *Notifier) Finished(ctx context.Context, run launch.RunInfo, e recorder.Entry) (err error) {
	if run.WillRetry {
		return nil
	}
	defer n.recover(&err)
	ev := n.event(run, e)
	if ev == "" {
		return nil
	}
	text := Text(ev, run, e, n.cfg.Host)
	return n.send(ctx, func(d dest) ([]byte, error) { return webhookBody(ev, run, e, n.cfg.Host, text) }, text)
}

// Check sends text, the finding of `ccq check`, to every destination.
func (n *Notifier) Check(ctx context.Context, text string) (err error) {
	defer n.recover(&err)
	msg := fmt.Sprintf("ccq check on %s: %s", n.cfg.Host, text)
	return n.send(ctx, func(d dest) ([]byte, error) { return checkBody(n.cfg.Host, msg) }, msg)
}

// event decides what a finished run is about, or "" for nothing to send.
func (n *Notifier) event(run launch.RunInfo, e recorder.Entry) Event {
	if !e.Success {
		if n.cfg.On&OnFailure != 0 {
			return EventFailure
		}
		return ""
	}
	if n.cfg.On&(OnRecovery|OnSuccess) == 0 {
		return ""
	}
	recovered := false
	if n.cfg.Previous != nil {
		task := e.TaskID
		if task == "" {
			task = run.Task
		}
		id := e.RunID
		if id == "" {
			id = run.RunID
		}
		if run.RetryOf != "" {
			// The attempts before this one were retried, never
			// reported: the last word before the series is what counts.
			id = run.RetryOf
		}
		prev, ok := n.cfg.Previous(task, id)
		recovered = ok && !prev
	}
	switch {
	case recovered:
		return EventRecovery // On has recovery or success
	case n.cfg.On&OnSuccess != 0:
		return EventSuccess
	}
	return ""
}

// recover turns a panic into an error.
func (n *Notifier) recover(err *error) {
	if r := recover(); r != nil {
		var secrets []string
		if n != nil {
			for _, d := range n.dests {
				secrets = append(secrets, d.secrets...)
			}
		}
		*err = redact.Error(fmt.Errorf("notify: panic: %v", r), secrets...)
	}
}

// send sends to every destination at once and joins their errors.
func (n *Notifier) send(ctx context.Context, body func(dest) ([]byte, error), text string) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	errs := make([]error, len(n.dests))
	done := make(chan struct{}, len(n.dests))
	for i, d := range n.dests {
		go func() {
			defer func() { done <- struct{}{} }()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("panic: %v", r)
				}
			}()
			if d.webhook {
				b, err := body(d)
				if err == nil {
					err = n.postJSON(ctx, d.raw, b)
				}
				errs[i] = err
			} else {
				errs[i] = n.cfg.Services.Send(ctx, d.raw, text, n.cfg.Timeout)
			}
		}()
	}
	for range n.dests {
		<-done // each send returns by ctx's deadline: sendShoutrrr stops waiting then
	}
	var out []error
	for i, err := range errs {
		if err == nil {
			continue
		}
		d := n.dests[i]
		if ctx.Err() != nil && !errors.Is(err, errStatus) {
			switch {
			case errors.Is(parent.Err(), context.Canceled):
				err = fmt.Errorf("canceled: %w", err)
			case parent.Err() != nil:
				err = fmt.Errorf("no answer before the caller's deadline: %w", err)
			default:
				err = fmt.Errorf("no answer within %v: %w", n.cfg.Timeout, err)
			}
		}
		// Only the error is scrubbed: the printable URL is safe already, and
		// a path segment such as "notify" must not eat the words around it.
		out = append(out, fmt.Errorf("notify %s: %w", d.printable, redact.Error(err, d.secrets...)))
	}
	return errors.Join(out...)
}
