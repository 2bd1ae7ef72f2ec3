package report

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Missed slots of scheduled tasks (package schedule computes them; the
// report only shows them): listed in their own section, and marked under
// the runs chart of the task and of all tasks, in the period they fell in.

// MissedSlot is one slot of a scheduled task in which no run started.
type MissedSlot struct {
	Task, Slot, Ago string
}

// Mark is a missed-slot mark under a chart's x axis.
type Mark struct {
	X     float64
	Title string
}

// markMissed fills p.Missed and the runs charts' marks from missed (task →
// slots). Slots outside the charts' periods are listed, not marked.
func markMissed(p *Page, missed map[string][]time.Time, g grid, fr frame, now time.Time) {
	tasks := make([]string, 0, len(missed))
	for t := range missed {
		tasks = append(tasks, t)
	}
	sort.Strings(tasks)
	all := map[int][]string{}
	for _, task := range tasks {
		per := map[int][]string{}
		for _, s := range missed[task] {
			slot := s.UTC().Format("2006-01-02 15:04Z")
			p.Missed = append(p.Missed, MissedSlot{Task: task, Slot: slot, Ago: agoText(now.Sub(s))})
			if i := g.index(s.UnixMilli()); i >= 0 && fr.n > 0 {
				per[i] = append(per[i], slot)
				all[i] = append(all[i], task+" "+slot)
			}
		}
		for _, sec := range p.Tasks {
			if sec.Name == task {
				addMarks(sec, per, fr, "missed slot of "+task)
			}
		}
	}
	addMarks(&p.Overall, all, fr, "missed slot")
}

// firstMissed is the earliest missed slot, unix ms; 0 when none.
func firstMissed(missed map[string][]time.Time) int64 {
	var first int64
	for _, slots := range missed {
		for _, s := range slots {
			if ms := s.UnixMilli(); first == 0 || ms < first {
				first = ms
			}
		}
	}
	return first
}

func addMarks(s *Section, per map[int][]string, fr frame, what string) {
	if len(s.Charts) == 0 || len(per) == 0 {
		return
	}
	idx := make([]int, 0, len(per))
	for i := range per {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		title := fmt.Sprintf("%d %s: %s", len(per[i]), plural(len(per[i]), what), strings.Join(per[i], ", "))
		s.Charts[0].Marks = append(s.Charts[0].Marks, Mark{X: r1(fr.center(i)), Title: title})
	}
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return strings.Replace(s, "slot", "slots", 1)
}

// agoText is a duration as "3d 4h", "2h 5m", "12m".
func agoText(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}
