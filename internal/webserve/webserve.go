// Package webserve runs an HTTP server until its context ends, for the
// servers of ccq-helper (metrics serve, report --serve): one way to start,
// shut down and report how a server ended.
package webserve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ShutdownGrace is how long requests in flight get once ctx is done.
const ShutdownGrace = 5 * time.Second

// Run serves srv on ln until ctx is done, then shuts it down, giving
// requests in flight ShutdownGrace. A server closed that way is no error.
func Run(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
