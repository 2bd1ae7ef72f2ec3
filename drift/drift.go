// Package drift finds where a task's numbers shifted (success rate,
// duration, tokens per success) and names the fingerprint parts that
// changed at that point, so `ccq check` can say what coincided with it:
// "success 97% → 58% since 2026-12-03 02:00, when claude_version went
// 2.1.328 → 2.1.330; prompt unchanged".
package drift

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/fingerprint"
)

// Run is one run as drift needs it.
type Run struct {
	Start     time.Time
	Success   bool
	DurationS float64
	Tokens    int64
	FP        fingerprint.FP
}

// MinSide is the fewest runs on each side of a shift.
const MinSide = 5

// Thresholds of a shift: a success rate that moved by at least
// MinRateChange (and by two standard errors), or a median duration or
// tokens per success that moved by at least MinRatio (×1.5 or ÷1.5).
const (
	MinRateChange = 0.2
	MinRatio      = 1.5
)

// Shift is a change in a task's numbers and what changed with it.
type Shift struct {
	Metric  string // "success", "duration", "tokens per success"
	Before  string // the value before, formatted
	After   string
	Since   time.Time // the first run after the shift
	Changes []Change  // fingerprint parts that changed at the shift
	Same    []string  // parts known on both sides that did not change
}

// Change is one fingerprint part that changed.
type Change struct {
	Part, From, To string
}

// Name is how messages and `ccq stats --by` call a fingerprint part.
var Name = map[string]string{
	fingerprint.PartClaude: "claude_version", fingerprint.PartModels: "model", fingerprint.PartPrompt: "prompt",
	fingerprint.PartMemory: "claude_md", fingerprint.PartSettings: "settings", fingerprint.PartGit: "git",
	fingerprint.PartHost: "host", fingerprint.PartCCQ: "ccq_version", fingerprint.PartMCP: "mcp", fingerprint.PartTools: "tools",
}

// Find returns the shift in runs (oldest first), nil if none: in the
// success rate if it shifted, else in the duration, else in tokens per
// success. The shift point is the split that best separates the two sides
// (the largest between-sides sum of squares, as binary segmentation does).
func Find(runs []Run) *Shift {
	if len(runs) < 2*MinSide {
		return nil
	}
	for _, m := range metrics {
		var best *Shift
		bestScore, bestAt := 0.0, 0
		for k := MinSide; k <= len(runs)-MinSide; k++ {
			s, d := m(runs[:k], runs[k:])
			n := float64(len(runs))
			if score := float64(k) * (n - float64(k)) / n * d * d; s != nil && score > bestScore {
				best, bestScore, bestAt = s, score, k
			}
		}
		if best != nil {
			best.Since = runs[bestAt].Start
			best.Changes, best.Same = compare(runs[:bestAt], runs[bestAt:])
			return best
		}
	}
	return nil
}

// metrics measure a change between two sides: the shift if it is one, and
// its size.
var metrics = []func(before, after []Run) (*Shift, float64){successShift, durationShift, tokensShift}

func successShift(before, after []Run) (*Shift, float64) {
	sb, sa := rate(before), rate(after)
	se := math.Sqrt(sb*(1-sb)/float64(len(before)) + sa*(1-sa)/float64(len(after)))
	if d := math.Abs(sa - sb); d >= MinRateChange && d > 2*se {
		return &Shift{Metric: "success", Before: pct(sb), After: pct(sa)}, d
	}
	return nil, 0
}

func durationShift(before, after []Run) (*Shift, float64) {
	db, da := median(before, dur), median(after, dur)
	if r := ratio(db, da); r >= MinRatio {
		return &Shift{Metric: "duration", Before: secs(db), After: secs(da)}, math.Log(r)
	}
	return nil, 0
}

func tokensShift(before, after []Run) (*Shift, float64) {
	tb, ta := perSuccess(before), perSuccess(after)
	if r := ratio(tb, ta); r >= MinRatio {
		return &Shift{Metric: "tokens per success", Before: fmt.Sprint(int64(tb)), After: fmt.Sprint(int64(ta))}, math.Log(r)
	}
	return nil, 0
}

// compare names the parts whose most common value differs between the two
// sides, and the parts known on both sides that stayed the same.
func compare(before, after []Run) (changes []Change, same []string) {
	// The runs nearest the shift say most about it.
	before = before[max(0, len(before)-MinSide):]
	after = after[:min(len(after), MinSide)]
	for _, p := range fingerprint.Parts {
		b, a := mode(before, p), mode(after, p)
		switch {
		case b == "" || a == "":
		case p == fingerprint.PartGit && b != a && sameCommit(b, a):
			// One side's dirty flag is unknown (hook lines): who
			// recorded the runs changed, not what they ran with.
		case b != a:
			changes = append(changes, Change{Part: Name[p], From: b, To: a})
		default:
			same = append(same, Name[p])
		}
	}
	return changes, same
}

// sameCommit reports whether two git parts name one commit and at least
// one of them does not know its dirty flag.
func sameCommit(a, b string) bool {
	ca, ua := strings.CutSuffix(a, fingerprint.DirtyUnknown)
	cb, ub := strings.CutSuffix(b, fingerprint.DirtyUnknown)
	ca, _ = strings.CutSuffix(ca, "+dirty")
	cb, _ = strings.CutSuffix(cb, "+dirty")
	return (ua || ub) && ca == cb
}

// Message says what shifted and what changed with it.
func (s *Shift) Message() string {
	m := fmt.Sprintf("%s %s → %s since %s", s.Metric, s.Before, s.After, s.Since.UTC().Format("2006-01-02 15:04"))
	if len(s.Changes) == 0 {
		return m + "; no change in the fingerprint"
	}
	var parts []string
	for _, c := range s.Changes {
		parts = append(parts, fmt.Sprintf("%s went %s → %s", c.Part, c.From, c.To))
	}
	m += ", when " + strings.Join(parts, " and ")
	for _, p := range []string{"prompt", "claude_version", "model"} {
		for _, q := range s.Same {
			if q == p {
				m += "; " + p + " unchanged"
			}
		}
	}
	return m
}

func mode(runs []Run, part string) string {
	count := map[string]int{}
	for _, r := range runs {
		if v := r.FP[part]; v != "" {
			count[v]++
		}
	}
	best, n := "", 0
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if count[k] > n {
			best, n = k, count[k]
		}
	}
	return best
}

func rate(runs []Run) float64 {
	n := 0
	for _, r := range runs {
		if r.Success {
			n++
		}
	}
	return float64(n) / float64(len(runs))
}

func dur(r Run) float64 { return r.DurationS }

func median(runs []Run, f func(Run) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

func perSuccess(runs []Run) float64 {
	var tokens int64
	n := 0
	for _, r := range runs {
		tokens += r.Tokens
		if r.Success {
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(tokens) / float64(n)
}

// ratio is how many times larger the larger value is; 0 when either is 0.
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return max(a/b, b/a)
}

func pct(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }

func secs(s float64) string {
	return (time.Duration(s*1000) * time.Millisecond).Round(time.Second).String()
}
