package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/notify/notifyurl"
)

// Validate checks a notification URL without sending anything: it must
// parse, and be http(s) with a host, or a URL svc accepts (svc nil: only
// http(s) is accepted, and a service URL is notifyurl.ErrNeedsServices).
// The error names the URL only in redacted form.
func Validate(rawURL string, svc Services) error {
	err := notifyurl.Validate(rawURL)
	if svc == nil || !errors.Is(err, notifyurl.ErrNeedsServices) {
		return err
	}
	raw := strings.TrimSpace(rawURL)
	if err := svc.Validate(raw); err != nil {
		return fmt.Errorf("notify URL %s: %w", redact.URL(raw), redact.Error(err, redact.Secrets(raw)...))
	}
	return nil
}

// ErrNeedsServices is Validate's error for a service URL when it has no
// Services to check it with.
var ErrNeedsServices = notifyurl.ErrNeedsServices

// IsWebhook says whether a notification URL is a plain http(s) webhook
// rather than a chat or mail service.
func IsWebhook(rawURL string) bool { return notifyurl.IsWebhook(rawURL) }

// Services delivers to the URLs that are not http(s) webhooks: shoutrrr's
// services (sinks/notify/shoutrrr). It lives behind an interface so that
// ccq itself, which posts webhooks, does not link shoutrrr; ccq-helper
// does.
type Services interface {
	// Validate checks a service URL without sending anything; the error
	// need not be redacted (the caller does it).
	Validate(rawURL string) error
	// Send sends text and returns by ctx's deadline; timeout bounds the
	// service's own requests.
	Send(ctx context.Context, rawURL, text string, timeout time.Duration) error
}

var errStatus = errors.New("answered")

// postJSON posts body to a webhook.
func (n *Notifier) postJSON(ctx context.Context, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.cfg.UserAgent)
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	status := resp.Status
	if t := strings.TrimSpace(strings.ToValidUTF8(string(text), "?")); t != "" && len(t) <= 200 && !strings.ContainsAny(t, "<>") {
		status += ": " + t
	}
	return fmt.Errorf("%w %s", errStatus, status)
}

// webhookBody is the run's history line with event, host, text and
// log_path added after its own keys.
func webhookBody(ev Event, run launch.RunInfo, e recorder.Entry, host, text string) ([]byte, error) {
	if len(e.Extra) > 0 { // our keys win: a copy of Extra without them
		extra := make(map[string]any, len(e.Extra))
		for k, v := range e.Extra {
			switch k {
			case "event", "host", "text", "log_path":
			default:
				extra[k] = v
			}
		}
		e.Extra = extra
	}
	line, err := e.Marshal()
	if err != nil {
		return nil, err
	}
	line = bytes.TrimRight(line, "\n")
	if len(line) < 2 || line[len(line)-1] != '}' {
		return nil, fmt.Errorf("history line is not an object: %.40q", line)
	}
	logPath := e.LogFile
	if logPath == "" {
		logPath = run.LogFile
	}
	if abs, err := filepath.Abs(logPath); err == nil && logPath != "" {
		logPath = abs
	}
	extra, err := marshal(struct {
		Event   Event  `json:"event"`
		Host    string `json:"host"`
		Text    string `json:"text"`
		LogPath string `json:"log_path,omitempty"`
	}{ev, host, text, logPath})
	if err != nil {
		return nil, err
	}
	// {"task_id":…} + {"event":…} → {"task_id":…,"event":…}
	out := append(line[:len(line)-1:len(line)-1], ',')
	return append(out, extra[1:]...), nil
}

// marshal is json.Marshal without HTML escaping: "<" in a message is
// meant for people, and a receiver that shows raw JSON would show \u003c.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// checkBody is a check message for a webhook.
func checkBody(host, text string) ([]byte, error) {
	return marshal(struct {
		Event Event  `json:"event"`
		Host  string `json:"host"`
		Text  string `json:"text"`
	}{EventCheck, host, text})
}

// Text is the message about a finished run: a headline, then the facts,
// one per line.
func Text(ev Event, run launch.RunInfo, e recorder.Entry, host string) string {
	var b strings.Builder
	task := e.TaskID
	if task == "" {
		task = run.Task
	}
	switch ev {
	case EventFailure:
		fmt.Fprintf(&b, "ccq: %s failed on %s", task, host)
		if e.ErrorType != recorder.ErrNone {
			fmt.Fprintf(&b, " (%s)", e.ErrorType)
		}
	case EventRecovery:
		fmt.Fprintf(&b, "ccq: %s recovered on %s: this run succeeded after a failure", task, host)
	default:
		fmt.Fprintf(&b, "ccq: %s succeeded on %s", task, host)
	}
	b.WriteString("\n")
	if e.ErrorDetail != "" {
		fmt.Fprintf(&b, "error: %s\n", e.ErrorDetail)
	}
	if e.ExitCode != nil {
		fmt.Fprintf(&b, "exit code: %d\n", *e.ExitCode)
	}
	id := e.RunID
	if id == "" {
		id = run.RunID
	}
	if id != "" {
		fmt.Fprintf(&b, "run: %s", id)
		if e.Timestamp != "" {
			fmt.Fprintf(&b, ", started %s", e.Timestamp)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "duration: %.1fs, tokens: %d", e.DurationS, e.Tokens)
	if e.CostUSD != nil {
		fmt.Fprintf(&b, ", cost: $%.4f", *e.CostUSD)
	}
	b.WriteString("\n")
	logPath := e.LogFile
	if logPath == "" {
		logPath = run.LogFile
	}
	if logPath != "" {
		fmt.Fprintf(&b, "log: %s\n", logPath)
	}
	return strings.TrimRight(b.String(), "\n")
}
