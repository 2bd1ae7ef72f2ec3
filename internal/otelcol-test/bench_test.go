package otelcoltest

import (
	"context"
	"testing"

	"github.com/ccq-dev/ccq/sinks/otlp"
)

// BenchmarkSinkRun is what export adds to a launch: Started and Finished
// (three OTLP requests, answered) against a local Collector, per protocol;
// "off" is the same with no endpoint set (New returns a nil sink).
//
//	(cd internal/otelcol-test && go test -run '^$' -bench SinkRun -benchtime 200x)
func BenchmarkSinkRun(b *testing.B) {
	if setupErr != nil {
		b.Skip(setupErr)
	}
	c := startSinkCollector(b)
	for _, tc := range []struct{ name, endpoint, proto string }{
		{"off", "", ""},
		{"http", c.httpURL, otlp.ProtocolHTTP},
		{"grpc", c.grpcURL, otlp.ProtocolGRPC},
	} {
		b.Run(tc.name, func(b *testing.B) {
			env := map[string]string{}
			if tc.endpoint != "" {
				env = map[string]string{otlp.EnvEndpoint: tc.endpoint, otlp.EnvProtocol: tc.proto}
			}
			s, err := otlp.New(context.Background(), env, "bench")
			if err != nil {
				b.Fatal(err)
			}
			defer s.Shutdown(context.Background())
			runs, entries := runEntries(b.N)
			b.ResetTimer()
			for i := range b.N {
				if err := s.Started(context.Background(), runs[i]); err != nil {
					b.Fatal(err)
				}
				if err := s.Finished(context.Background(), runs[i], entries[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSinkFirstRun is one process's cost: New, the first run (new
// connections) and Shutdown, as `ccq launch` pays it once per run.
func BenchmarkSinkFirstRun(b *testing.B) {
	if setupErr != nil {
		b.Skip(setupErr)
	}
	c := startSinkCollector(b)
	runs, entries := runEntries(b.N)
	b.ResetTimer()
	for i := range b.N {
		s, err := otlp.New(context.Background(), map[string]string{otlp.EnvEndpoint: c.httpURL}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		s.Started(context.Background(), runs[i])
		if err := s.Finished(context.Background(), runs[i], entries[i]); err != nil {
			b.Fatal(err)
		}
		s.Shutdown(context.Background())
	}
}
