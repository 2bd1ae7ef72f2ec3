package report

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/stats"
)

// logHref is a session log's address relative to the page: log_file as
// recorded when absolute; when relative, found below workDir, else in the
// history's own directory by its last two parts (YYYY-MM-DD/name.md, as
// ccq launch lays them out), else taken as below workDir.
func logHref(logFile, workDir, histDir, pageDir string) string {
	if logFile == "" {
		return ""
	}
	abs := filepath.Clean(logFile)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(workDir, logFile)
		if _, err := os.Stat(abs); err != nil {
			dir, name := filepath.Split(filepath.Clean(logFile))
			alt := filepath.Join(histDir, filepath.Base(dir), name)
			if _, err := os.Stat(alt); err == nil {
				abs = alt
			}
		}
	}
	rel, err := filepath.Rel(pageDir, abs)
	if err != nil {
		rel = abs
	}
	u := url.URL{Path: filepath.ToSlash(rel)}
	return u.String()
}

func when(ts *string) string {
	if ts == nil || len(*ts) < 16 {
		return "–"
	}
	return (*ts)[:10] + " " + (*ts)[11:16]
}

// pct writes a rate of 0.9523 as 95.23%: the four decimals stats keeps.
func pct(r float64) string {
	return strconv.FormatFloat(r*100, 'f', 2, 64) + "%"
}

func thousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	pre := len(s) % 3
	if pre == 0 {
		pre = 3
	}
	b.WriteString(s[:pre])
	for i := pre; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// span is the time from the first run to the last, in days (or hours).
func span(first, last *string) string {
	if first == nil || last == nil {
		return "unknown span"
	}
	a, err1 := time.Parse(time.RFC3339, *first)
	b, err2 := time.Parse(time.RFC3339, *last)
	if err1 != nil || err2 != nil {
		return "unknown span"
	}
	d := b.Sub(a)
	if d < 48*time.Hour {
		return stats.Plural(int64(d.Hours()), "hour")
	}
	return stats.Plural(int64(d.Hours()/24+0.5), "day")
}

// clip cuts s to maxDetail characters, marking the cut with "…".
func clip(s string) string {
	n := 0
	for i := range s {
		if n == maxDetail {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
