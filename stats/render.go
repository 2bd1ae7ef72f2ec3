package stats

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Style says how to decorate terminal output.
type Style struct {
	Color bool // ANSI colours (only on a terminal without NO_COLOR)
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

func (s Style) paint(code, text string) string {
	if !s.Color || text == "" {
		return text
	}
	return code + text + ansiReset
}

// WriteTable writes the report for people: one aligned row per task and
// one for all tasks, then the failure patterns. RUNS and SUCCESS count
// attempts; when some line was written with retries on, SCHEDULED and
// SCHED OK count scheduled runs (a retried run once, decided by its last
// attempt) and RETRIES the attempts after the first; SKIPPED, shown when
// there are skipped launches, counts them.
func WriteTable(w io.Writer, r *Report, st Style) error {
	retries, skips := r.Overall.AttemptLines > 0, r.Overall.SkippedLaunches > 0
	head := []string{"TASK", "RUNS", "SUCCESS"}
	align := "lrr"
	if retries {
		head = append(head, "SCHEDULED", "SCHED OK", "RETRIES")
		align += "rrr"
	}
	if skips {
		head = append(head, "SKIPPED")
		align += "r"
	}
	extra := len(head) - 3
	t := &Table{Align: align + "rrrrrrll"}
	t.Add(nil, append(head, "TOKENS/OK", "COST", "MEAN", "P50", "P95", "LAST", "P50 PER "+strings.ToUpper(r.Period), "TREND")...)
	rows := append(append([]TaskStats{}, r.Tasks...), r.Overall)
	for i, ts := range rows {
		name := ts.TaskID
		if i == len(rows)-1 {
			if len(r.Tasks) < 2 {
				break
			}
			name = "all tasks"
		}
		cells := []string{name, thousands(ts.Runs), pct(ts.SuccessRate)}
		if retries {
			cells = append(cells, thousands(ts.ScheduledRuns), pct(ts.ScheduledSuccessRate), thousands(ts.Retries))
		}
		if skips {
			cells = append(cells, thousands(ts.SkippedLaunches))
		}
		cells = append(cells, tokensPer(ts.TokensPerSuccess), cost(ts.CostUSD))
		if d := ts.Duration; d != nil {
			last := "-"
			if d.Last != nil {
				last = HumanSeconds(*d.Last)
			}
			cells = append(cells, HumanSeconds(d.Mean), HumanSeconds(d.P50), HumanSeconds(d.P95), last)
		} else {
			cells = append(cells, "-", "-", "-", "-")
		}
		cells = append(cells, Sparkline(r, ts), VerdictText(ts.Trend))
		colors := make([]string, len(cells))
		if ts.SuccessRate != nil && *ts.SuccessRate < 0.9 {
			colors[2] = ansiRed
		}
		if retries && ts.ScheduledSuccessRate != nil && *ts.ScheduledSuccessRate < 0.9 {
			colors[4] = ansiRed
		}
		switch ts.Trend.Verdict {
		case VerdictSlower:
			colors[10+extra] = ansiYellow
		case VerdictFaster:
			colors[10+extra] = ansiGreen
		}
		t.Add(colors, cells...)
	}
	if err := t.Write(w, st); err != nil {
		return err
	}
	writeFailures(w, r, st)
	return nil
}

// writeFailures lists each task's failure patterns under the table, with
// their top details.
func writeFailures(w io.Writer, r *Report, st Style) {
	var fails []string
	for _, ts := range r.Tasks {
		for _, f := range ts.Failures {
			var ds []string
			for _, d := range f.TopDetails {
				ds = append(ds, fmt.Sprintf("%s ×%d", Printable(d.Detail), d.Count))
			}
			line := fmt.Sprintf("  %s: %s ×%d", Printable(ts.TaskID), st.paint(ansiRed, f.Label()), f.Count)
			if len(ds) > 0 {
				line += " (" + strings.Join(ds, ", ") + ")"
			}
			fails = append(fails, line)
		}
	}
	if len(fails) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.paint(ansiBold, "failures:"))
		for _, l := range fails {
			fmt.Fprintln(w, l)
		}
	}
}

// Label names a failure pattern for people: its error type, or "verify
// failed (client succeeded)" for PatternVerifyFailed; safe to print.
func (f Failure) Label() string {
	if f.Pattern == PatternVerifyFailed {
		return "verify failed (client succeeded)"
	}
	return Printable(f.ErrorType)
}

// Printable makes text from the history safe to print on a terminal:
// control characters (C0, DEL and C1, escape sequences among them) become
// '?' and invalid UTF-8 becomes U+FFFD, so a hand-written line can neither
// drive the terminal nor break a table's alignment.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// Colours a Table cell can be painted in.
const (
	ColorRed   = ansiRed
	ColorGreen = ansiGreen
)

// Table aligns columns by their width in runes, so colour codes and
// sparkline characters do not upset it. The first row is the header.
type Table struct {
	Align  string // 'l' or 'r' per column
	rows   [][]string
	colors [][]string
}

// Add appends a row; colors, if not nil, holds a colour per cell ("" for
// none), used only when the Style allows colour. Cells are made Printable:
// a table shows text from the history, which anyone can edit.
func (t *Table) Add(colors []string, cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = Printable(c)
	}
	t.rows = append(t.rows, row)
	t.colors = append(t.colors, colors)
}

// Write prints the table, header in bold when colour is on.
func (t *Table) Write(w io.Writer, st Style) error {
	widths := make([]int, len(t.Align))
	for _, row := range t.rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for ri, row := range t.rows {
		line := make([]string, len(row))
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if ri > 0 && i < len(t.colors[ri]) && t.colors[ri][i] != "" {
				c = st.paint(t.colors[ri][i], c)
			}
			if ri == 0 {
				c = st.paint(ansiBold, c)
			}
			if t.Align[i] == 'r' {
				line[i] = pad + c
			} else {
				line[i] = c + pad
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(line, "  "), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// VerdictText is a trend's verdict in the words ccq stats and the report
// show: "getting slower (+25%)", "flat", "too few runs".
func VerdictText(t Trend) string {
	switch t.Verdict {
	case VerdictSlower, VerdictFaster:
		return fmt.Sprintf("getting %s (%+.0f%%)", t.Verdict, *t.Change*100)
	case VerdictFlat:
		return "flat"
	case VerdictTooFew:
		return "too few runs"
	}
	return "-" // no trend: no run had a timestamp
}

// Sparkline draws a task's median duration per period over the whole
// trend, oldest first, one character per period ("·" where the period had
// no run with a duration). Bars are proportional to the median, from zero
// to the largest one shown, so noise of a few percent stays flat instead
// of being stretched over the whole height.
func Sparkline(r *Report, t TaskStats) string {
	g := r.grid
	if g.n == 0 {
		return ""
	}
	out := []rune(strings.Repeat("·", g.n))
	var vals []float64
	var idx []int
	for _, p := range t.Periods {
		d, err := time.Parse("2006-01-02", p.Start)
		if err != nil || p.Duration == nil {
			continue
		}
		if i := g.index(d.UnixMilli()); i >= 0 {
			idx = append(idx, i)
			vals = append(vals, p.Duration.P50)
		}
	}
	if len(vals) == 0 {
		return string(out)
	}
	hi := 0.0
	for _, v := range vals {
		hi = math.Max(hi, v)
	}
	bars := []rune("▁▂▃▄▅▆▇█")
	for k, v := range vals {
		b := 0
		if hi > 0 {
			b = int(math.Ceil(v/hi*float64(len(bars)))) - 1
		}
		out[idx[k]] = bars[max(b, 0)]
	}
	return string(out)
}

func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

func tokensPer(v *float64) string {
	if v == nil {
		return "n/a"
	}
	r := math.Round(*v)
	if r >= 1<<63 { // float64(math.MaxInt64) is 2^63, out of int64's range
		return HumanCount(math.MaxInt64)
	}
	return HumanCount(int64(r))
}

func cost(v *float64) string {
	if v == nil {
		return "-"
	}
	return FormatCost(*v)
}

// FormatCost writes dollars with cents and, below a dollar, with as many
// decimals as it takes to show two significant digits (up to 12), so a
// small cost never reads as $0.00: $12.40, $0.36, $0.012, $0.0036; $0.00
// only for nothing.
func FormatCost(usd float64) string {
	decimals := 2
	if usd > 0 && usd < 1 {
		// 0.0036: log10 is -2.44, floor -3, so 1+3 = 4 decimals.
		decimals = min(max(2, 1-int(math.Floor(math.Log10(usd)))), 12)
	}
	return "$" + strconv.FormatFloat(usd, 'f', decimals, 64)
}

// Plural writes a count and its noun, in the plural unless n is 1:
// "1 run", "2 runs", "0 tasks".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

func thousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// HumanCount writes a count briefly: 950, 12.3k, 4.5M.
func HumanCount(v int64) string {
	switch {
	case v < 10_000:
		return strconv.FormatInt(v, 10)
	case v < 1_000_000:
		return strconv.FormatFloat(float64(v)/1e3, 'f', 1, 64) + "k"
	case v < 1_000_000_000:
		return strconv.FormatFloat(float64(v)/1e6, 'f', 1, 64) + "M"
	}
	return strconv.FormatFloat(float64(v)/1e9, 'f', 1, 64) + "G"
}

// HumanSeconds writes a duration briefly: 0.25s, 41.2s, 3m05s, 2h04m.
func HumanSeconds(s float64) string {
	switch {
	case s < 10:
		return strconv.FormatFloat(s, 'f', 2, 64) + "s"
	case s < 60:
		return strconv.FormatFloat(s, 'f', 1, 64) + "s"
	case s < 3600:
		t := int64(math.Round(s))
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	}
	t := int64(math.Round(s / 60))
	return fmt.Sprintf("%dh%02dm", t/60, t%60)
}
