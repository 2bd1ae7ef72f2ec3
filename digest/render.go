package digest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/internal/redact"
)

// DefaultBudget is the digest's default bound, in tokens.
const DefaultBudget = 800

// BytesPerToken is how tokens are estimated from text: 4 bytes each,
// the rule of thumb for English (and what the recorder's estimate uses).
const BytesPerToken = 4

// Digest is what the next run is told.
type Digest struct {
	Task    string `json:"task"`
	Runs    []Run  `json:"runs"`    // newest first, those the text covers
	Omitted int    `json:"omitted"` // runs left out to stay in the budget
	Text    string `json:"text"`    // "" when there is nothing to say
	Tokens  int    `json:"tokens"`  // the text's estimated tokens
}

// Make renders the digest of runs (newest first) within budget tokens. A
// clean streak is one line; no runs make no digest.
func Make(task string, runs []Run, budget int) Digest {
	if budget <= 0 {
		budget = DefaultBudget
	}
	d := Digest{Task: task}
	if len(runs) == 0 {
		return d
	}
	for i := range runs {
		runs[i].Detail = Scrub(runs[i].Detail)
		runs[i].ResultTail = Scrub(runs[i].ResultTail)
	}
	limit := budget * BytesPerToken
	failed := 0
	for _, r := range runs {
		if !r.Success {
			failed++
		}
	}
	if failed == 0 {
		d.Runs = runs
		d.Text = fit(fmt.Sprintf("%s of %s: all succeeded (median %s, %s tokens).", last(len(runs)), task,
			dur(median(runs, func(r Run) float64 { return r.DurationS })), tokens(int64(median(runs, func(r Run) float64 { return float64(r.Tokens) })))), limit)
		d.Tokens = estimate(d.Text)
		return d
	}
	head := fmt.Sprintf("%s of %s (newest first): %d failed, %d succeeded.", last(len(runs)), task, failed, len(runs)-failed)
	lines := []string{head}
	size := len(head) + 1
	for i, r := range runs {
		l := line(r)
		more := fmt.Sprintf("(%d older runs left out)", len(runs)-i)
		if size+len(l)+1+len(more) > limit {
			// Shorten the line first; drop it if even that does not fit.
			room := limit - size - 1 - len(more)
			if room < 60 {
				d.Omitted = len(runs) - i
				lines = append(lines, more)
				break
			}
			l = cut(l, room)
		}
		lines = append(lines, l)
		size += len(l) + 1
		d.Runs = append(d.Runs, r)
	}
	d.Text = fit(strings.Join(lines, "\n"), limit)
	d.Tokens = estimate(d.Text)
	return d
}

// line is one run: "- 2026-12-03 02:00 failed: exit_error: verify: … (4m12s,
// 138k tokens); result ended: "…"".
func line(r Run) string {
	when := r.Timestamp
	if t, err := time.Parse("2006-01-02T15:04:05.000Z", r.Timestamp); err == nil {
		when = t.UTC().Format("2006-01-02 15:04Z")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "- %s ", when)
	switch {
	case r.Success:
		b.WriteString("succeeded")
	case r.ClientSuccess:
		b.WriteString("claude succeeded but verification failed: " + oneLine(r.Detail, 300))
	default:
		b.WriteString("failed: " + r.ErrorType)
		if r.Detail != "" {
			b.WriteString(": " + oneLine(r.Detail, 300))
		}
	}
	fmt.Fprintf(&b, " (%s, %s tokens)", dur(r.DurationS), tokens(r.Tokens))
	if r.ResultTail != "" && !r.Success {
		fmt.Fprintf(&b, "; its answer ended: %q", oneLine(r.ResultTail, 200))
	}
	return b.String()
}

// last is "Last run" or "Last N runs".
func last(n int) string {
	if n == 1 {
		return "Last run"
	}
	return fmt.Sprintf("Last %d runs", n)
}

func estimate(s string) int { return (len(s) + BytesPerToken - 1) / BytesPerToken }

func fit(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return cut(s, limit)
}

// cut shortens s to at most n bytes on a character boundary, ending in "…".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n -= len("…")
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:max(n, 0)] + "…"
}

func oneLine(s string, n int) string {
	return cut(strings.Join(strings.Fields(s), " "), n)
}

func median(runs []Run, f func(Run) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

func dur(s float64) string {
	return (time.Duration(s*1000) * time.Millisecond).Round(time.Second).String()
}

func tokens(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%dk", (n+500)/1000)
	}
	return fmt.Sprint(n)
}

// secretPatterns are the shapes of credentials an agent may print: API
// keys and tokens of the common services, bearer tokens, and the
// password of a URL.
// Compiled on first use, not at start: every ccq command would pay for
// it (see internal/depguard TestInitWork).
var secretPatterns = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(?:sk-ant-[a-z0-9_-]{8,}|sk-[a-z0-9_-]{16,}|gh[pousr]_[a-z0-9]{20,}|github_pat_[a-z0-9_]{20,}|xox[abposr]-[a-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9a-z_-]{30,}|glpat-[a-z0-9_-]{20,})|(?i)\b(bearer|token|password|passwd|secret|api[_-]?key)(["']?\s*[:=]\s*["']?|\s+)([^\s"',;]{6,})`)
})

var urlPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>()]+`) })

// Scrub removes what looks like a credential from text that goes into a
// digest: known token shapes, "token=…"-style values, and URLs' secrets
// (user, password, path and query values, through internal/redact).
func Scrub(s string) string {
	s = urlPattern().ReplaceAllStringFunc(s, redact.URL)
	re := secretPatterns()
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		if sub[1] != "" {
			return sub[1] + sub[2] + redact.Marker
		}
		return redact.Marker
	})
}
