package metrics

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ccq-dev/ccq/internal/webserve"
)

// Handler serves /metrics and /healthz. Each scrape of /metrics first
// refreshes src, reading only the history lines appended since the last
// one; if that fails, the last figures are served and the error logged.
func Handler(src *Source, logw io.Writer) http.Handler {
	reg := NewRegistry(src)
	prom := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics:   true,
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            logger{logw},
		MaxRequestsInFlight: 4,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		if err := src.Refresh(); err != nil {
			fmt.Fprintf(logw, "ccq: warning: metrics: %v\n", err)
		}
		prom.ServeHTTP(w, r)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "ccq metrics: see /metrics\n")
	})
	return mux
}

type logger struct{ w io.Writer }

func (l logger) Println(v ...any) {
	fmt.Fprintln(l.w, append([]any{"ccq: warning: metrics:"}, v...)...)
}

// Serve serves Handler on ln until ctx is done, then shuts down, giving
// scrapes in flight a few seconds, and saves the summary cache.
func Serve(ctx context.Context, ln net.Listener, src *Source, logw io.Writer) error {
	srv := &http.Server{
		Handler:           Handler(src, logw),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      time.Minute,
	}
	err := webserve.Run(ctx, srv, ln)
	_ = src.Save()
	return err
}

var _ prometheus.Gatherer = (*prometheus.Registry)(nil)
