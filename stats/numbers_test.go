package stats

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
)

// TestParseLineNumbers: tokens must be a whole number in [0, 2^63-1];
// duration_s and cost_usd finite and not negative. A line breaking that is
// malformed, on the fast path and the slow one alike; a missing or null
// number is unknown, not malformed.
func TestParseLineNumbers(t *testing.T) {
	// ccq's key order, so the fast path is tried first.
	line := func(tokens, dur, extra string) string {
		return `{"task_id":"a","success":true,"error_type":null,"tokens":` + tokens + `,"duration_s":` + dur +
			`,"log_file":"","timestamp":"2026-03-01T10:00:00.000Z"` + extra + `}`
	}
	tests := []struct {
		name       string
		line       string
		ok         bool
		tokens     int64
		durMs      int64
		hasDur     bool
		cost       float64
		hasCost    bool
		wantOnFast bool
	}{
		{"plain", line("12", "1.5", `,"cost_usd":0.25`), true, 12, 1500, true, 0.25, true, true},
		{"18 digits", line("999999999999999999", "1", ""), true, 999999999999999999, 1000, true, 0, false, true},
		{"max int64", line("9223372036854775807", "1", ""), true, math.MaxInt64, 1000, true, 0, false, false},
		{"max int64 + 1", line("9223372036854775808", "1", ""), false, 0, 0, false, 0, false, false},
		{"1e308", line("1e308", "1", ""), false, 0, 0, false, 0, false, false},
		{"negative", line("-1", "1", ""), false, 0, 0, false, 0, false, false},
		{"fraction", line("1.5", "1", ""), false, 0, 0, false, 0, false, false},
		{"whole float", line("1000.0", "1", ""), true, 1000, 1000, true, 0, false, false},
		{"whole exponent", line("1e3", "1", ""), true, 1000, 1000, true, 0, false, false},
		{"minus zero", line("-0", "1", ""), true, 0, 1000, true, 0, false, false},
		{"tokens as string", line(`"5"`, "1", ""), false, 0, 0, false, 0, false, false},
		{"tokens null", line("null", "1", ""), true, 0, 1000, true, 0, false, false},
		{"tokens missing", `{"task_id":"a","success":true}`, true, 0, 0, false, 0, false, false},
		{"negative duration", line("1", "-0.5", ""), false, 0, 0, false, 0, false, false},
		{"duration overflow", line("1", "1e400", ""), false, 0, 0, false, 0, false, false},
		{"duration null", line("1", "null", ""), true, 1, 0, false, 0, false, false},
		{"duration as string", line("1", `"3"`, ""), false, 0, 0, false, 0, false, false},
		{"huge finite duration", line("1", "1e300", ""), true, 1, math.MaxInt64 / 2, true, 0, false, false},
		{"negative cost", line("1", "1", `,"cost_usd":-0.01`), false, 0, 0, false, 0, false, false},
		{"cost overflow", line("1", "1", `,"cost_usd":1e400`), false, 0, 0, false, 0, false, false},
		{"cost null", line("1", "1", `,"cost_usd":null`), true, 1, 1000, true, 0, false, true},
		{"cost as string", line("1", "1", `,"cost_usd":"0.1"`), false, 0, 0, false, 0, false, false},
		{"cost underflow is zero", line("1", "1", `,"cost_usd":1e-400`), true, 1, 1000, true, 0, true, true},
		{"second cost ignored", line("1", "1", `,"cost_usd":0.5,"cost_usd":-1`), true, 1, 1000, true, 0.5, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r, fr, sr Record
			ok := ParseLine([]byte(tt.line), &r)
			if ok != tt.ok {
				t.Fatalf("ParseLine = %v, want %v", ok, tt.ok)
			}
			if fast := parseFast([]byte(tt.line), &fr); fast != tt.wantOnFast {
				t.Errorf("fast path = %v, want %v", fast, tt.wantOnFast)
			}
			if slow := parseSlow([]byte(tt.line), &sr); slow != tt.ok {
				t.Errorf("slow path = %v, want %v", slow, tt.ok)
			}
			if !ok {
				return
			}
			if r.Tokens != tt.tokens || r.DurMs != tt.durMs || r.HasDur != tt.hasDur || r.Cost != tt.cost || r.HasCost != tt.hasCost {
				t.Errorf("got tokens %d dur %d/%v cost %v/%v; want %d %d/%v %v/%v",
					r.Tokens, r.DurMs, r.HasDur, r.Cost, r.HasCost, tt.tokens, tt.durMs, tt.hasDur, tt.cost, tt.hasCost)
			}
		})
	}
}

// TestTotalsDoNotWrap: sums stop at the largest value instead of wrapping
// round (two lines of 2^63-1 tokens once summed to a negative, then to 3
// with a third), and a rejected line counts as skipped.
func TestTotalsDoNotWrap(t *testing.T) {
	max := fmt.Sprint(int64(math.MaxInt64))
	line := func(tokens, cost string) string {
		return `{"task_id":"a","success":true,"error_type":null,"tokens":` + tokens +
			`,"duration_s":1e300,"log_file":"","timestamp":"2026-03-01T10:00:00.000Z","cost_usd":` + cost + `}`
	}
	path := history(t, line(max, "1e308"), line(max, "1e308"), line("3", "1"), line("1e308", "1"), line("-5", "1"))
	rep := compute(t, path, Options{})
	o := rep.Overall
	if rep.Skipped != 2 || rep.FirstSkippedLine != 4 {
		t.Errorf("skipped %d (first %d), want 2 (first 4)", rep.Skipped, rep.FirstSkippedLine)
	}
	if o.Runs != 3 || o.Tokens != math.MaxInt64 {
		t.Errorf("runs %d tokens %d, want 3 and %d", o.Runs, o.Tokens, int64(math.MaxInt64))
	}
	if len(o.Periods) != 1 || o.Periods[0].Tokens != math.MaxInt64 {
		t.Errorf("period tokens: %s", show(o.Periods))
	}
	if o.CostUSD == nil || *o.CostUSD != math.MaxFloat64 {
		t.Errorf("cost %v, want the largest float64", show(o.CostUSD))
	}
	if o.Duration == nil || o.Duration.Mean <= 0 {
		t.Errorf("mean duration wrapped: %s", show(o.Duration))
	}
	var js, tab bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if err := WriteTable(&tab, rep, Style{}); err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`\s-\d`).MatchString(tab.String()) {
		t.Errorf("negative figure in the table:\n%s", tab.String())
	}
	if !strings.Contains(tab.String(), "3074457345.6G") { // (2^63-1)/3 per success
		t.Errorf("tokens per success not saturated:\n%s", tab.String())
	}
}

func TestFormatCost(t *testing.T) {
	tests := []struct {
		usd  float64
		want string
	}{
		{0, "$0.00"},
		{0.0036, "$0.0036"},
		{0.00361, "$0.0036"},
		{0.0004, "$0.00040"},
		{0.012, "$0.012"},
		{0.36, "$0.36"},
		{0.5, "$0.50"},
		{1, "$1.00"},
		{12.4, "$12.40"},
		{234.499, "$234.50"},
	}
	for _, tt := range tests {
		if got := FormatCost(tt.usd); got != tt.want {
			t.Errorf("FormatCost(%v) = %s, want %s", tt.usd, got, tt.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int64]string{0: "0 runs", 1: "1 run", 2: "2 runs", 1000: "1000 runs"} {
		if got := Plural(n, "run"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
