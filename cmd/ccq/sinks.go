package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/notify"
	"github.com/ccq-dev/ccq/sinks/otlp"
	"github.com/ccq-dev/ccq/sinks/ping"
	"github.com/ccq-dev/ccq/sinks/retention"
	"github.com/ccq-dev/ccq/sinks/textfile"
	"github.com/urfave/cli/v2"
)

// Flags and env vars of the sinks of `ccq launch` (and `ccq check
// --notify`).
const (
	flagPingURL  = "ping-url"
	flagNotify   = "notify"
	flagNotifyOn = "notify-on"
	flagPingTime = "ping-timeout"

	envPingURL  = "CCQ_PING_URL"
	envNotify   = "CCQ_NOTIFY"    // URLs separated by commas or spaces
	envNotifyOn = "CCQ_NOTIFY_ON" // as --notify-on
)

// setting is a value with the place it came from, for error messages.
type setting struct {
	value string
	where string // "--ping-url", "$CCQ_PING_URL", "FILE:LINE: ping_url"
}

// pick applies the precedence of a sink setting: the flag, then the task's
// front matter (a per-task check is more specific than a machine-wide
// variable), then the env var.
func pick(flag, fm, env setting) setting {
	for _, s := range []setting{flag, fm, env} {
		if s.value != "" {
			return s
		}
	}
	return setting{}
}

func frontMatterWhere(t *launch.Task, key string) string {
	if line := t.KeyLine[key]; line > 0 {
		return fmt.Sprintf("%s:%d: %s", t.Path, line, key)
	}
	return t.Path + ": " + key
}

// launchSinks builds the run's sinks from the flags, the task's front
// matter and the environment. Every URL is checked here, before anything
// runs: a bad one is a usage error that shows it redacted.
func launchSinks(a *appEnv, c *cli.Context, t *launch.Task, logsDir string) ([]launch.Sink, error) {
	sinks, err := envSinks(a, logsDir)
	if err != nil {
		return nil, err
	}
	pu := pick(setting{c.String(flagPingURL), "--" + flagPingURL},
		setting{t.Settings.PingURL, frontMatterWhere(t, "ping_url")},
		setting{strings.TrimSpace(a.env[envPingURL]), "$" + envPingURL})
	if pu.value != "" {
		p, err := ping.New(ping.Config{URL: pu.value, Timeout: c.Duration(flagPingTime)})
		if err != nil {
			return nil, usageErr("%s: %v", pu.where, redact.Error(err, redact.Secrets(pu.value)...))
		}
		sinks = append(sinks, p)
	}
	urls, where := notifyURLs(a, c.StringSlice(flagNotify), t)
	if len(urls) == 0 {
		if c.IsSet(flagNotifyOn) {
			return nil, usageErr("--%s needs somewhere to send: --%s URL", flagNotifyOn, flagNotify)
		}
		return sinks, nil
	}
	on := pick(setting{c.String(flagNotifyOn), "--" + flagNotifyOn},
		setting{t.Settings.NotifyOn, frontMatterWhere(t, "notify_on")},
		setting{strings.TrimSpace(a.env[envNotifyOn]), "$" + envNotifyOn})
	cfg := notify.Config{URLs: urls, HistoryPath: recorder.HistoryPath(logsDir)}
	if on.value != "" {
		set, err := notify.ParseOn(on.value)
		if err != nil {
			return nil, usageErr("%s: %v", on.where, err)
		}
		cfg.On = set
	}
	n, err := newNotifier(cfg, where)
	if err != nil {
		return nil, err
	}
	return append(sinks, n), nil
}

// envSinks are the sinks set up by environment variables alone:
// $CCQ_TEXTFILE_DIR (node_exporter's textfile) and $CCQ_RETENTION (prune
// once a day). A bad value is a usage error before anything runs.
func envSinks(a *appEnv, logsDir string) ([]launch.Sink, error) {
	var sinks []launch.Sink
	tf, err := textfile.New(a.env, logsDir)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if tf != nil {
		sinks = append(sinks, tf)
	}
	rt, err := retention.New(a.env, logsDir)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if rt != nil {
		sinks = append(sinks, rt)
	}
	return sinks, nil
}

// otlpSink is the OpenTelemetry export of each run when the standard
// OTEL_* variables ask for one (sinks/otlp). Settings it cannot use are a
// warning, not a failure: export is an extra, the run is not.
func otlpSink(a *appEnv) *otlp.Sink {
	s, err := otlp.New(context.Background(), a.env, buildVersion())
	if err != nil {
		clierr.Warn(a.stderr, "ccq", "otlp export off: %v", err)
		return nil
	}
	return s
}

// notifyURLs are --notify, else the task's notify, else $CCQ_NOTIFY, and
// where they came from.
func notifyURLs(a *appEnv, flag []string, t *launch.Task) ([]string, string) {
	if urls := splitURLs(flag); len(urls) > 0 {
		return urls, "--" + flagNotify
	}
	if t != nil && len(t.Settings.Notify) > 0 {
		return splitURLs(t.Settings.Notify), frontMatterWhere(t, "notify")
	}
	return splitURLs([]string{a.env[envNotify]}), "$" + envNotify
}

// newNotifier checks every URL and builds the notifier; the error shows
// the bad URL redacted.
func newNotifier(cfg notify.Config, where string) (*notify.Notifier, error) {
	var secrets []string
	for _, u := range cfg.URLs {
		secrets = append(secrets, redact.Secrets(u)...)
	}
	for _, u := range cfg.URLs {
		if err := notify.Validate(u); err != nil {
			return nil, usageErr("%s: %v", where, redact.Error(err, secrets...))
		}
	}
	n, err := notify.New(cfg)
	if err != nil {
		return nil, usageErr("%s: %v", where, redact.Error(err, secrets...))
	}
	return n, nil
}

// splitURLs splits values on commas and white space.
func splitURLs(vals []string) []string {
	var out []string
	for _, v := range vals {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })...)
	}
	return out
}
