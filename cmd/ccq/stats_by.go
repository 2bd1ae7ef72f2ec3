package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/drift"
	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/internal/regfile"
	"github.com/ccq-dev/ccq/stats"
)

// fingerprintBy maps the --by names of fingerprint parts to the keys of
// the line's fp object.
func fingerprintBy() map[string]string {
	m := map[string]string{}
	for k, name := range drift.Name {
		m[name] = k
	}
	return m
}

// partGroup is the runs that ran with one value of a fingerprint part.
type partGroup struct {
	Value     string    `json:"value"`
	Runs      int64     `json:"runs"`
	Successes int64     `json:"successes"`
	Tokens    int64     `json:"tokens"`
	Durations []float64 `json:"-"`
	MedianS   float64   `json:"median_duration_s"`
	PerSucc   *float64  `json:"tokens_per_success"`
	First     string    `json:"first_run"`
	Last      string    `json:"last_run"`
}

// statsByPart groups the selected runs by one fingerprint part ("unknown"
// for lines without it) and prints one row per value.
func (a *appEnv) statsByPart(h history, by, part string, asJSON bool) error {
	f, err := regfile.Open(h.path)
	if errors.Is(err, fs.ErrNotExist) {
		f = nil
	} else if err != nil {
		return err
	}
	groups := map[string]*partGroup{}
	if f != nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			addToGroup(groups, sc.Bytes(), part, h.filter)
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	out := make([]*partGroup, 0, len(groups))
	for _, g := range groups {
		sort.Float64s(g.Durations)
		if len(g.Durations) > 0 {
			g.MedianS = g.Durations[len(g.Durations)/2]
		}
		if g.Successes > 0 {
			v := float64(g.Tokens) / float64(g.Successes)
			g.PerSucc = &v
		}
		out = append(out, g)
	}
	// The value used last comes last, as a timeline.
	sort.Slice(out, func(i, j int) bool { return out[i].Last < out[j].Last })
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"by": by, "groups": out})
	}
	rows := [][]string{{strings.ToUpper(by), "RUNS", "SUCCESS", "MEDIAN", "TOKENS/SUCCESS", "FIRST", "LAST"}}
	for _, g := range out {
		per := "-"
		if g.PerSucc != nil {
			per = fmt.Sprintf("%.0f", *g.PerSucc)
		}
		rows = append(rows, []string{g.Value, fmt.Sprint(g.Runs), fmt.Sprintf("%.1f%%", float64(g.Successes)*100/float64(g.Runs)),
			stats.HumanSeconds(g.MedianS), per, minuteOf(g.First), minuteOf(g.Last)})
	}
	if len(rows) == 1 {
		if st, err := os.Stat(h.path); err != nil || st.Size() == 0 {
			a.noRunsYet(a.stdout, "stats", h) // as plain ccq stats says it
			return nil
		}
		fmt.Fprintf(a.stdout, "no runs in %s\n", h.path)
		return nil
	}
	return writeAligned(a, rows)
}

func addToGroup(groups map[string]*partGroup, line []byte, part string, filter stats.Filter) {
	if !gjson.ValidBytes(line) {
		return
	}
	f := gjson.GetManyBytes(line, "task_id", "success", "tokens", "duration_s", "timestamp", "fp."+part, "model")
	if !filter.MatchTask(f[0].Str) {
		return
	}
	if filter.Since != 0 || filter.Until != 0 {
		t, err := time.Parse(time.RFC3339Nano, f[4].Str)
		if err != nil || filter.Since != 0 && t.UnixMilli() < filter.Since || filter.Until != 0 && t.UnixMilli() >= filter.Until {
			return
		}
	}
	v := f[5].Str
	if v == "" && part == fingerprint.PartModels {
		v = f[6].Str // lines from before the fingerprint name their model
	}
	if v == "" {
		v = "unknown"
	}
	g := groups[v]
	if g == nil {
		g = &partGroup{Value: v, First: f[4].Str}
		groups[v] = g
	}
	g.Runs++
	if f[1].Bool() {
		g.Successes++
	}
	g.Tokens += f[2].Int()
	g.Durations = append(g.Durations, f[3].Float())
	if ts := f[4].Str; ts != "" && (g.First == "" || ts < g.First) {
		g.First = ts
	}
	if ts := f[4].Str; ts > g.Last {
		g.Last = ts
	}
}

func minuteOf(ts string) string {
	if len(ts) >= 16 {
		return strings.Replace(ts[:16], "T", " ", 1)
	}
	return ts
}

// writeAligned prints rows as space-aligned columns.
func writeAligned(a *appEnv, rows [][]string) error {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
			}
		}
		fmt.Fprintln(a.stdout, b.String())
	}
	return nil
}

// statsBy is `ccq stats --by <fingerprint part>`.
func (a *appEnv) statsBy(f historyFlags, by, part string, asJSON bool) error {
	h, err := a.openHistoryOf(f, time.Now())
	if err != nil {
		return err
	}
	defer h.Close()
	return a.statsByPart(h, by, part, asJSON)
}
