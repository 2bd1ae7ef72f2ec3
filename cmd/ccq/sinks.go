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
	"github.com/ccq-dev/ccq/sinks/notify/notifyurl"
	"github.com/ccq-dev/ccq/sinks/ping/pingurl"
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

	// notifyTimeout bounds one notification (sinks/notify's DefaultTimeout).
	notifyTimeout = 10 * time.Second
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
// runs: a bad one is a usage error that shows it redacted. Pings,
// notifications, OTLP and the textfile are ccq-helper's (ccq links no
// net/http): it is started here only when one of them is asked for, and
// the caller closes it after the run.
func launchSinks(a *appEnv, f sinkFlags, t *launch.Task, logsDir string) ([]launch.Sink, *helper.Client, error) {
	var sinks []launch.Sink
	rt, err := retention.New(a.env, logsDir)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	if rt != nil {
		sinks = append(sinks, rt)
	}
	cfg := helper.Config{LogsDir: logsDir, History: recorder.HistoryPath(logsDir), Version: buildVersion(),
		OTLP: wantsOTLP(a.env), Textfile: a.env[envTextfileDir] != ""}
	pu := pick(setting{f.pingURL, "--" + flagPingURL},
		setting{t.Settings.PingURL, frontMatterWhere(t, "ping_url")},
		setting{strings.TrimSpace(a.env[envPingURL]), "$" + envPingURL})
	if pu.value != "" {
		if _, err := pingurl.Parse(pu.value); err != nil {
			return nil, nil, usageErr("%s: %v", pu.where, err) // redacted by Parse
		}
		cfg.Ping, cfg.PingTimeoutMs = pu.value, f.pingTime.Milliseconds()
	}
	urls, where := notifyURLs(a, f.notify, t)
	if len(urls) == 0 && f.notifyOnSet {
		return nil, nil, usageErr("--%s needs somewhere to send: --%s URL", flagNotifyOn, flagNotify)
	}
	webhooks := true
	if len(urls) > 0 {
		on := pick(setting{f.notifyOn, "--" + flagNotifyOn},
			setting{t.Settings.NotifyOn, frontMatterWhere(t, "notify_on")},
			setting{strings.TrimSpace(a.env[envNotifyOn]), "$" + envNotifyOn})
		if on.value != "" {
			if _, err := notifyurl.ParseOn(on.value); err != nil {
				return nil, nil, usageErr("%s: %v", on.where, err)
			}
		}
		if webhooks, err = allWebhooks(urls, where); err != nil {
			return nil, nil, err
		}
		cfg.Notify, cfg.NotifyOn = urls, on.value
	}
	// What ccq checked itself (a ping URL, webhooks) needs no answer from
	// the helper before the run: the run does not wait for it to start.
	async := !cfg.OTLP && !cfg.Textfile && webhooks
	hc, err := helperSinks(a, cfg, sinkWhere{notify: where, ping: pu.where}, async)
	if err != nil || hc == nil {
		return sinks, nil, err
	}
	return append(sinks, hc.Sinks()...), hc, nil
}

// sinkWhere names where the notify URLs and the ping URL came from.
type sinkWhere struct{ notify, ping string }

// helperSinks starts ccq-helper when cfg asks for one of its sinks. A
// bad notify URL or textfile directory stops the launch, as a usage
// error; OTLP settings it cannot use are a warning: export is an extra,
// the run is not. async starts it without waiting for its answer: every
// setting it got was checked here.
func helperSinks(a *appEnv, cfg helper.Config, where sinkWhere, async bool) (*helper.Client, error) {
	var what, names []string
	if cfg.OTLP {
		what = append(what, "OTLP export ($OTEL_EXPORTER_OTLP_*)")
	}
	if cfg.Textfile {
		what = append(what, "$"+envTextfileDir)
	}
	if cfg.Ping != "" {
		what, names = append(what, where.ping), append(names, helper.SinkPing)
	}
	if len(cfg.Notify) > 0 {
		what, names = append(what, where.notify), append(names, helper.SinkNotify)
	}
	if len(what) == 0 {
		return nil, nil
	}
	var sinks []string
	if async {
		sinks = names
	}
	hc, errs, err := startHelper(a, cfg, strings.Join(what, ", "), sinks)
	if err != nil {
		return nil, err
	}
	if m := errs[helper.SinkNotify]; m != "" {
		hc.Close(time.Second)
		return nil, usageErr("%s: %s", where.notify, m)
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

// allWebhooks says whether every URL is a plain http(s) webhook, which
// ccq can check itself; a service URL needs the helper to check it. A
// URL that is neither (no scheme, no host) is a usage error here.
func allWebhooks(urls []string, where string) (bool, error) {
	all := true
	for _, u := range urls {
		err := notifyurl.Validate(u)
		switch {
		case errors.Is(err, notifyurl.ErrNeedsServices):
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

// splitURLs splits values on commas and white space.
func splitURLs(vals []string) []string {
	var out []string
	for _, v := range vals {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })...)
	}
	return out
}
