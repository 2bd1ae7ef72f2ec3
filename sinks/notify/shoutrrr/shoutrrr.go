// Package shoutrrr delivers ccq's notifications to chat and mail services
// through github.com/nicholas-fedor/shoutrrr: slack://, discord://,
// telegram://, ntfy://, smtp://, gotify://, matrix://, teams://,
// generic+http://… It is notify.Services for the URLs that are not plain
// http(s) webhooks.
//
// Only ccq-helper links it: shoutrrr's service map costs every process
// that links it start-up time, and ccq itself posts webhooks only.
//
// shoutrrr takes no context: a send runs in a goroutine that Send stops
// waiting for at ctx's deadline (the goroutine ends with its connection,
// or with the process — the helper is short-lived). The matrix service
// logs in when it is set up, so Validate checks a matrix:// URL's form
// only.
package shoutrrr

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
)

// Services is notify.Services over shoutrrr. (This package does not
// import notify, so that notify's own tests can use it.)
type Services struct{}

// Validate checks a service URL without sending anything (matrix://: its
// form only). The error may hold the URL's secrets: notify.Validate
// redacts it.
func (Services) Validate(rawURL string) error {
	raw := strings.TrimSpace(rawURL)
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	service, _, _ := strings.Cut(u.Scheme, "+")
	var r router.ServiceRouter
	if _, err := r.NewService(service); err != nil {
		return fmt.Errorf("unknown scheme %q (want http, https or a shoutrrr service)", u.Scheme)
	}
	if service == "matrix" {
		return nil // setting it up logs in: no network at validation
	}
	_, err = router.New(nil, raw)
	return err
}

// Send sends text to the service and returns by ctx's deadline; timeout
// (plus a second) bounds shoutrrr's own requests.
func (Services) Send(ctx context.Context, rawURL, text string, timeout time.Duration) error {
	result := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				result <- fmt.Errorf("panic: %v", r)
			}
		}()
		r, err := router.New(nil, rawURL)
		if err != nil {
			result <- err
			return
		}
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
