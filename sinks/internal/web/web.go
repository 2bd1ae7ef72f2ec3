// Package web is what the sinks that speak HTTP share: a client whose
// redirects are bounded, and ccq's User-Agent.
package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// MaxRedirects bounds a server that redirects forever.
const MaxRedirects = 5

// ErrRedirects ends a chain of redirects that is too long.
var ErrRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// Client is a copy of base (http.DefaultTransport when nil) that follows
// at most MaxRedirects redirects and has no timeout of its own: each
// request carries its context's deadline.
func Client(base *http.Client) *http.Client {
	client := &http.Client{Transport: http.DefaultTransport}
	if base != nil {
		c := *base
		client = &c
	}
	client.Timeout = 0
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= MaxRedirects {
			return ErrRedirects
		}
		return nil
	}
	return client
}

// UserAgent is "ccq/<module version>" where the build knows it, else "ccq".
func UserAgent() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return "ccq/" + bi.Main.Version
	}
	return "ccq"
}
