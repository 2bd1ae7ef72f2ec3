package verify

import (
	"fmt"
	"strings"
	"time"
)

// Markdown is the report for the session log: one line per check, and the
// output of a command that printed something.
func (r Report) Markdown() string {
	var b strings.Builder
	for _, c := range r.Checks {
		mark := "passed"
		if !c.Passed {
			mark = "**failed**: " + c.Why
		}
		fmt.Fprintf(&b, "- %s %s — %s", c.Name, inlineCode(c.What), mark)
		if c.Took > 0 {
			fmt.Fprintf(&b, " (%v)", c.Took.Round(time.Millisecond))
		}
		b.WriteString("\n")
		if out := strings.TrimRight(c.Output, "\n"); out != "" {
			fence := strings.Repeat("`", max(3, longestRun(out, '`')+1))
			fmt.Fprintf(&b, "\n%s\n%s\n%s\n\n", fence, out, fence)
		}
	}
	return b.String()
}

// inlineCode quotes s as Markdown inline code, on one line.
func inlineCode(s string) string {
	if s == "" {
		return ""
	}
	s = shorten(s, 200)
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	return ticks + " " + s + " " + ticks
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
