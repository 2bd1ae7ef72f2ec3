package main

import (
	"context"
	"io"
	"time"

	"github.com/ccq-dev/ccq/internal/buildinfo"
	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/sinks/helper"
	"github.com/ccq-dev/ccq/sinks/notify"
	"github.com/ccq-dev/ccq/sinks/notify/shoutrrr"
	"github.com/ccq-dev/ccq/sinks/otlp"
	"github.com/ccq-dev/ccq/sinks/ping"
	"github.com/ccq-dev/ccq/sinks/textfile"
)

var _ notify.Services = shoutrrr.Services{}

// serveSinks is `ccq-helper sink`: the sinks of one ccq launch (or the
// notifier of one ccq check), over the protocol of sinks/helper.
func serveSinks(stdin io.Reader, stdout io.Writer, env map[string]string) error {
	return helper.Serve(stdin, stdout, func(cfg helper.Config) (*helper.Set, map[string]string) {
		return setup(cfg, env)
	})
}

// setup builds the sinks cfg asks for. A sink that cannot be set up is
// left out, and its error returned under its name: ccq decides whether
// that stops the run (a bad notify URL or textfile directory) or is a
// warning (OTLP settings, as before the split).
func setup(cfg helper.Config, env map[string]string) (*helper.Set, map[string]string) {
	set := &helper.Set{}
	errs := map[string]string{}
	var closers []func()
	if cfg.OTLP {
		v := cfg.Version
		if v == "" {
			v = buildinfo.Version(version)
		}
		s, err := otlp.New(context.Background(), env, v)
		switch {
		case err != nil:
			errs[helper.SinkOTLP] = err.Error()
		case s != nil:
			set.Sinks = append(set.Sinks, helper.NamedSink{Name: helper.SinkOTLP, Sink: s})
			set.TraceParent = s.TraceParent(launch.RunInfo{RunID: "x"}) != ""
			closers = append(closers, func() {
				ctx, cancel := context.WithTimeout(context.Background(), s.Timeout())
				defer cancel()
				_ = s.Shutdown(ctx) // each run was flushed in Finished; this only closes
			})
		}
	}
	if cfg.Textfile {
		tf, err := textfile.New(env, cfg.LogsDir)
		switch {
		case err != nil:
			errs[helper.SinkTextfile] = err.Error()
		case tf != nil:
			set.Sinks = append(set.Sinks, helper.NamedSink{Name: helper.SinkTextfile, Sink: tf})
		}
	}
	if cfg.Ping != "" {
		p, err := ping.New(ping.Config{URL: cfg.Ping, Timeout: time.Duration(cfg.PingTimeoutMs) * time.Millisecond})
		if err != nil {
			errs[helper.SinkPing] = err.Error() // already redacted
		} else {
			set.Sinks = append(set.Sinks, helper.NamedSink{Name: helper.SinkPing, Sink: p})
		}
	}
	if len(cfg.Notify) > 0 {
		n, err := newNotifier(cfg)
		if err != nil {
			errs[helper.SinkNotify] = err.Error()
		} else {
			set.Sinks = append(set.Sinks, helper.NamedSink{Name: helper.SinkNotify, Sink: n})
			set.Check = n.Check
		}
	}
	set.Close = func() {
		for _, c := range closers {
			c()
		}
	}
	if len(errs) == 0 {
		errs = nil
	}
	return set, errs
}

// newNotifier is notify's sink with shoutrrr's services; the error names
// a bad URL only redacted.
func newNotifier(cfg helper.Config) (*notify.Notifier, error) {
	var secrets []string
	for _, u := range cfg.Notify {
		secrets = append(secrets, redact.Secrets(u)...)
	}
	nc := notify.Config{URLs: cfg.Notify, HistoryPath: cfg.History, Services: shoutrrr.Services{}}
	if cfg.NotifyOn != "" {
		on, err := notify.ParseOn(cfg.NotifyOn)
		if err != nil {
			return nil, err
		}
		nc.On = on
	}
	n, err := notify.New(nc)
	if err != nil {
		return nil, redact.Error(err, secrets...)
	}
	return n, nil
}
