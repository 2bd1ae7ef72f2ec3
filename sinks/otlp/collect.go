package otlp

import (
	"context"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// collector holds what the providers hand over until an export takes it.
type collector[T any] struct {
	mu    sync.Mutex
	items []T
}

func (c *collector[T]) add(v T) {
	c.mu.Lock()
	c.items = append(c.items, v)
	c.mu.Unlock()
}

func (c *collector[T]) take() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	items := c.items
	c.items = nil
	return items
}

func (c *collector[T]) takeN(n int) []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = min(n, len(c.items))
	items := c.items[:n:n]
	c.items = c.items[n:]
	return items
}

// logCollector is the log processor: it keeps a copy of each record for the
// next export instead of batching in the background.
type logCollector struct{ c *collector[sdklog.Record] }

func (p logCollector) OnEmit(_ context.Context, r *sdklog.Record) error {
	p.c.add(r.Clone())
	return nil
}
func (logCollector) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (logCollector) Shutdown(context.Context) error                         { return nil }
func (logCollector) ForceFlush(context.Context) error                       { return nil }

// spanCollector is the span processor: ended spans wait for the next
// export.
type spanCollector struct {
	c *collector[sdktrace.ReadOnlySpan]
}

func (spanCollector) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (p spanCollector) OnEnd(s sdktrace.ReadOnlySpan)                 { p.c.add(s) }
func (spanCollector) Shutdown(context.Context) error                  { return nil }
func (spanCollector) ForceFlush(context.Context) error                { return nil }
