package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/internal/clierr"
	"github.com/ccq-dev/ccq/internal/redact"
	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/helper"
	"github.com/ccq-dev/ccq/sinks/notify"
	"github.com/ccq-dev/ccq/sinks/ping"
	"github.com/ccq-dev/ccq/sinks/retention"
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
// runs: a bad one is a usage error that shows it redacted. The sinks that
// need ccq-helper (OTLP, $CCQ_TEXTFILE_DIR, notify URLs other than
// http(s)) are set up by the helper, started here only when one of them
// is asked for; the caller closes it after the run.
func launchSinks(a *appEnv, f sinkFlags, t *launch.Task, logsDir string) ([]launch.Sink, *helper.Client, error) {
	var sinks []launch.Sink
	rt, err := retention.New(a.env, logsDir)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	if rt != nil {
		sinks = append(sinks, rt)
	}
	pu := pick(setting{f.pingURL, "--" + flagPingURL},
		setting{t.Settings.PingURL, frontMatterWhere(t, "ping_url")},
		setting{strings.TrimSpace(a.env[envPingURL]), "$" + envPingURL})
	if pu.value != "" {
		p, err := ping.New(ping.Config{URL: pu.value, Timeout: f.pingTime})
		if err != nil {
			return nil, nil, usageErr("%s: %v", pu.where, redact.Error(err, redact.Secrets(pu.value)...))
		}
		sinks = append(sinks, p)
	}
	cfg := helper.Config{LogsDir: logsDir, History: recorder.HistoryPath(logsDir), Version: buildVersion(),
		OTLP: wantsOTLP(a.env), Textfile: a.env[envTextfileDir] != ""}
	urls, where := notifyURLs(a, f.notify, t)
	if len(urls) == 0 && f.notifyOnSet {
		return nil, nil, usageErr("--%s needs somewhere to send: --%s URL", flagNotifyOn, flagNotify)
	}
	if len(urls) > 0 {
		on := pick(setting{f.notifyOn, "--" + flagNotifyOn},
			setting{t.Settings.NotifyOn, frontMatterWhere(t, "notify_on")},
			setting{strings.TrimSpace(a.env[envNotifyOn]), "$" + envNotifyOn})
		nc := notify.Config{URLs: urls, HistoryPath: cfg.History}
		if on.value != "" {
			set, err := notify.ParseOn(on.value)
			if err != nil {
				return nil, nil, usageErr("%s: %v", on.where, err)
			}
			nc.On, cfg.NotifyOn = set, on.value
		}
		webhooks, err := allWebhooks(urls, where)
		switch {
		case err != nil:
			return nil, nil, err
		case !webhooks:
			cfg.Notify = urls // shoutrrr's services: the helper's
		default:
			n, err := newNotifier(nc, where)
			if err != nil {
				return nil, nil, err
			}
			sinks = append(sinks, n)
		}
	}
	hc, err := helperSinks(a, cfg, where)
	if err != nil || hc == nil {
		return sinks, nil, err
	}
	return append(sinks, hc.Sinks()...), hc, nil
}

// helperSinks starts ccq-helper when cfg asks for one of its sinks. A
// bad notify URL or textfile directory stops the launch, as a usage
// error; OTLP settings it cannot use are a warning: export is an extra,
// the run is not.
func helperSinks(a *appEnv, cfg helper.Config, notifyWhere string) (*helper.Client, error) {
	var what []string
	if cfg.OTLP {
		what = append(what, "OTLP export ($OTEL_EXPORTER_OTLP_*)")
	}
	if cfg.Textfile {
		what = append(what, "$"+envTextfileDir)
	}
	if len(cfg.Notify) > 0 {
		what = append(what, notifyWhere)
	}
	if len(what) == 0 {
		return nil, nil
	}
	hc, errs, err := startHelper(a, cfg, strings.Join(what, ", "))
	if err != nil {
		return nil, err
	}
	if m := errs[helper.SinkNotify]; m != "" {
		hc.Close(time.Second)
		return nil, usageErr("%s: %s", notifyWhere, m)
	}
	if m := errs[helper.SinkTextfile]; m != "" {
		hc.Close(time.Second)
		return nil, usageErr("%s", m)
	}
	if m := errs[helper.SinkOTLP]; m != "" {
		clierr.Warn(a.stderr, "ccq", "otlp export off: %s", m)
	}
	return hc, nil
}

// allWebhooks says whether every URL is a plain http(s) webhook, which ccq
// posts itself; a service URL needs the helper. A URL that is neither (no
// scheme, no host) is a usage error here, helper or not.
func allWebhooks(urls []string, where string) (bool, error) {
	all := true
	for _, u := range urls {
		err := notify.Validate(u, nil)
		switch {
		case errors.Is(err, notify.ErrNeedsServices):
			all = false
		case err != nil:
			return false, usageErr("%s: %v", where, redact.Error(err, redact.Secrets(u)...))
		}
	}
	return all, nil
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
		if err := notify.Validate(u, nil); err != nil {
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
