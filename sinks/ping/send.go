package ping

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/sinks/internal/web"
)

// endpoint is the URL for one kind of ping ("", "start", "fail", "log").
func (p *Pinger) endpoint(kind, rid string) string {
	u := *p.base
	if kind != "" {
		u.Path += "/" + kind
	}
	if rid != "" {
		q := u.Query()
		q.Set("rid", rid)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// final marks an error that another try would not change.
type final struct{ error }

func (f final) Unwrap() error { return f.error }

func isFinal(err error) bool {
	var f final
	return errors.As(err, &f)
}

// send posts body to the kind's endpoint, retrying within the total
// timeout, and returns a redacted error.
func (p *Pinger) send(ctx context.Context, kind, rid string, body []byte) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	target := p.endpoint(kind, rid)
	what := "ping"
	if kind != "" {
		what += " /" + kind
	}
	var last error
	tries := 0
	for tries <= p.cfg.Retries {
		if tries > 0 {
			wait := time.Duration(tries) * p.cfg.Backoff
			if d, ok := ctx.Deadline(); ok && time.Until(d) <= wait {
				break // no time left for another try
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			if ctx.Err() != nil {
				break
			}
		}
		tries++
		last = p.once(ctx, target, body)
		if last == nil {
			return nil
		}
		if isFinal(last) || ctx.Err() != nil {
			break
		}
	}
	msg := fmt.Sprintf("%s %s", what, p.printable)
	if tries > 1 {
		msg += fmt.Sprintf(" (%d tries)", tries)
	}
	if ctx.Err() != nil && !isFinal(last) {
		switch {
		case errors.Is(parent.Err(), context.Canceled):
			last = fmt.Errorf("canceled: %w", last)
		case parent.Err() != nil:
			last = fmt.Errorf("no answer before the caller's deadline: %w", last)
		default:
			last = fmt.Errorf("no answer within %v: %w", p.cfg.Timeout, last)
		}
	}
	return redact.Error(fmt.Errorf("%s: %w", msg, last), p.secrets...)
}

// once makes one request. A nil error is a 2xx answer; a final error is
// not worth retrying.
func (p *Pinger) once(ctx context.Context, target string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return final{err}
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, web.ErrRedirects) {
			return final{err}
		}
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 == 2 {
		p.noteBodyLimit(resp.Header.Get("Ping-Body-Limit"))
		return nil
	}
	status := resp.Status
	if t := strings.TrimSpace(strings.ToValidUTF8(string(text), "?")); t != "" && len(t) <= 200 && !strings.ContainsAny(t, "<>") {
		status += ": " + t // healthchecks explains itself in a word or two: "not found", "invalid url format"
	}
	switch c := resp.StatusCode; {
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return errors.New(status)
	default:
		return final{errors.New(status)}
	}
}

// noteBodyLimit lowers the body cap to what the instance says it keeps.
func (p *Pinger) noteBodyLimit(h string) {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < p.maxBody {
		p.maxBody = n
	}
}
