package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"

	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// Validate checks a notification URL without sending anything: it must
// parse, and be http(s) with a host or a URL shoutrrr accepts. The error
// names the URL only in redacted form.
func Validate(rawURL string) error {
	raw := strings.TrimSpace(rawURL)
	printable := redact.URL(raw)
	secrets := redact.Secrets(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("notify URL %s: %w", printable, redact.Error(errors.Unwrap(err), secrets...))
	}
	switch {
	case u.Scheme == "":
		return fmt.Errorf("notify URL %s: no scheme (https://…, slack://…, ntfy://…)", printable)
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			return fmt.Errorf("notify URL %s: no host", printable)
		}
		return nil
	}
	service, _, _ := strings.Cut(u.Scheme, "+")
	var r router.ServiceRouter
	if _, err := r.NewService(service); err != nil {
		return fmt.Errorf("notify URL %s: unknown scheme %q (want http, https or a shoutrrr service)", printable, u.Scheme)
	}
	if service == "matrix" {
		return nil // setting it up logs in: no network at validation
	}
	if _, err := router.New(nil, raw); err != nil {
		return fmt.Errorf("notify URL %s: %w", printable, redact.Error(err, secrets...))
	}
	return nil
}

// sendShoutrrr sends text through the shoutrrr service of raw. shoutrrr
// takes no context, so the send runs in a goroutine that is abandoned if
// ctx ends first.
func sendShoutrrr(ctx context.Context, raw, text string, timeout time.Duration) error {
	result := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				result <- fmt.Errorf("panic: %v", r)
			}
		}()
		r, err := router.New(nil, raw)
		if err != nil {
			result <- err
			return
		}
		// A backstop only: ctx ends the wait first, so that a slow
		// service reads the same as a slow webhook.
		r.Timeout = timeout + time.Second
		result <- errors.Join(r.Send(text, nil)...)
	}()
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errStatus marks a webhook's answer that is not 2xx.
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
