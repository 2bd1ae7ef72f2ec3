package recorder

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A rate or usage limit's reset time, as Claude Code reports it. The forms
// read here, and where each was seen:
//
//   - the transcript's system/api_error line, error.rateLimits.resetsAt:
//     epoch seconds, present when the 429 carried the
//     anthropic-ratelimit-unified-* headers (observed, 2.1.328, client
//     retries ≥ 1; testdata/claude-code-2.1.328/429);
//   - retryInMs (transcript) and retry_delay_ms (stream system/api_retry):
//     how long the client waited before its own last retry (observed);
//   - "Claude AI usage limit reached|<epoch seconds>": the subscription
//     usage-limit text of older clients, machine-readable after the bar
//     (public reports; not observed here: the fake API has no
//     subscription);
//   - "…limit reached ∙ resets 3pm", "… resets 10:30am (Europe/Berlin)",
//     "Your limit will reset at 5pm (America/New_York)": the subscription
//     messages of newer clients (public reports; not observed here). A
//     clock time is taken in the named zone, else in local time, as the
//     next such time after now.

// The patterns are compiled on first use: ccq and ccq-hook link this
// package, and only a limited run needs them.
//
// usageLimitText matches the messages of a subscription's usage limit:
// "Claude AI usage limit reached|<epoch>", "You've hit your limit ·
// resets 8pm (America/Los_Angeles)", "5-hour limit reached ∙ resets 3pm",
// "Your limit will reset at 5pm" (public reports; not observed here).
var usageLimitText = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)usage limit reached|hit your (?:usage )?limit|limit will reset|limit reached\b.{0,8}\breset`)
})

// IsUsageLimit reports whether a message Claude Code wrote says a usage
// or rate limit stopped it.
func IsUsageLimit(text string) bool { return text != "" && usageLimitText().MatchString(text) }

// usageLimitEpoch matches "usage limit reached|1767225600".
var usageLimitEpoch = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)usage limit reached\|(\d{9,11})`) })

// resetsClock matches "resets 3pm", "resets 10:30 am", "reset at 5pm
// (America/New_York)", "resets at 15:00".
var resetsClock = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\breset(?:s)?(?: at)? (\d{1,2})(?::(\d{2}))? ?(am|pm)?(?: \(([A-Za-z_]+(?:/[A-Za-z_+\-]+)*)\))?`)
})

// ParseResetTime finds a limit's reset time in a message Claude Code
// printed. ok is false when the text names none. now and loc (nil: local
// time) anchor a bare clock time, taken as its next occurrence after now.
func ParseResetTime(text string, now time.Time, loc *time.Location) (time.Time, bool) {
	if m := usageLimitEpoch().FindStringSubmatch(text); m != nil {
		if sec, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			return time.Unix(sec, 0), true
		}
	}
	m := resetsClock().FindStringSubmatch(text)
	if m == nil {
		return time.Time{}, false
	}
	hour, _ := strconv.Atoi(m[1])
	minute := 0
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	if m[3] != "" && (hour < 1 || hour > 12) {
		return time.Time{}, false
	}
	switch strings.ToLower(m[3]) {
	case "am":
		if hour == 12 {
			hour = 0
		}
	case "pm":
		if hour < 12 {
			hour += 12
		}
	case "":
		if m[2] == "" {
			return time.Time{}, false // "resets 3" is no time
		}
	}
	if hour > 23 || minute > 59 {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.Local
	}
	if m[4] != "" {
		if l, err := time.LoadLocation(m[4]); err == nil {
			loc = l
		}
	}
	n := now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), hour, minute, 0, 0, loc)
	if !t.After(now) {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}
