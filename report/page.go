package report

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
)

// Options say what to report on and where the page will live.
type Options struct {
	History string        // the history file
	Stats   stats.Options // filters and period, as for stats.Compute
	// InProgress are the runs still going (recorder.InProgress); those
	// whose task fails the filter are left out.
	InProgress []*recorder.Run
	Now        time.Time
	// PageDir is the directory the page is written to: links to session
	// logs are relative to it.
	PageDir string
	// WorkDir is where a relative log_file is looked for first (ccq
	// launch records it relative to its working directory).
	WorkDir string
	// Elsewhere lists other logs directories with runs, named on the
	// page of an empty history.
	Elsewhere []string
	// NoLogLinks names session logs without linking them (a page served
	// over HTTP, whose server does not serve them).
	NoLogLinks bool
	// Version of ccq, shown in the footer.
	Version string
	// Missed are the missed slots of scheduled tasks (missed.go), as
	// judged at MissedAsOf.
	Missed     map[string][]time.Time
	MissedAsOf time.Time
}

// Caps that keep the page small whatever the history's size: the figures
// are per period (28 days or 26 weeks), so only the number of tasks and of
// listed failures could grow it.
const (
	// MaxTasks is how many tasks get a row and a section: those with the
	// most runs. The others are summed in one line.
	MaxTasks = 30
	// maxFailTypes is how many error types per task are listed.
	maxFailTypes = 8
	// maxDetail is how many characters of an error detail are shown
	// (recorder keeps up to 1024 bytes).
	maxDetail = 200
)

// minPeriods is the fewest period slots a chart is divided into: a
// history of fewer periods (the periods before the first run are left
// out) is drawn from the left with bars as wide as a week's days, not as
// one bar across the whole chart.
const minPeriods = 7

// Page is everything the template shows.
type Page struct {
	Title        string
	Generated    string
	Version      string
	History      string
	Elsewhere    []string
	Empty        bool // no runs recorded at all
	NoMatch      bool // runs, but none passes the filters
	Lines        int
	Skipped      int
	FirstSkipped int
	Filters      []string // "since …", "task …"
	Period       string   // "day" or "week"
	Span         string   // from the first run to the last: "31 days"
	Trimmed      bool     // the charts start after the grid's first period
	FirstRun     string
	LastRun      string

	Retries    bool // some lines are retries: show per scheduled run rates
	Overall    Section
	Tasks      []*Section // the table rows and task sections
	MoreTasks  int        // tasks left out by MaxTasks
	MoreRuns   int64
	InProgress []Running
	Latest     []Failure
	Missed     []MissedSlot
}

// Section is the figures, charts and period table of one task or of all.
type Section struct {
	ID        string // anchor
	Name      string
	Figures   Figures
	Charts    []*Chart
	Rows      []PeriodRow
	Fails     []FailType
	MoreFails int
}

// Figures are one task's totals, formatted.
type Figures struct {
	Runs          string
	Successes     string
	Rate          string // per line (attempt), as ccq stats
	SeriesRate    string // per scheduled run, when there are retries
	Series        string
	Retries       string
	Tokens        string
	TokensPerOK   string
	Cost          string
	CostNote      string
	P50, P95      string
	Verdict       string
	VerdictClass  string
	VerdictDetail string
	FirstRun      string
	LastRun       string
}

// PeriodRow is one period's numbers, as its charts draw them.
type PeriodRow struct {
	Start                                   string
	Runs, Success, Timeout, Exit, Exception string
	Other                                   string
	Rate, P50, P95, Tokens, Cost            string
}

// FailType is a count by error type and its top details.
type FailType struct {
	Type    string
	Count   string
	Share   string
	Details []Detail
}

// Detail is one error_detail and its count.
type Detail struct {
	Text  string
	Count string
}

// Running is a run in progress.
type Running struct {
	Task, Started, Elapsed, State, RunID string
}

// Build computes the page: stats.Compute for the figures, one more pass
// over the history for what Report does not hold.
func Build(opt Options) (*Page, error) {
	rep, err := stats.Compute(opt.History, opt.Stats)
	if err != nil {
		return nil, err
	}
	x, err := collect(opt.History, rep, opt.Stats.Filter, opt.Stats.Workers)
	if err != nil {
		return nil, err
	}
	return build(opt, rep, x), nil
}

func build(opt Options, rep *stats.Report, x *extras) *Page {
	p := &Page{
		Title:        "ccq report",
		Generated:    opt.Now.UTC().Format("2006-01-02 15:04 UTC"),
		Version:      opt.Version,
		History:      opt.History,
		Elsewhere:    opt.Elsewhere,
		Lines:        rep.Lines,
		Skipped:      rep.Skipped,
		FirstSkipped: rep.FirstSkippedLine,
		Period:       rep.Period,
	}
	if rep.Since != nil {
		p.Filters = append(p.Filters, "since "+*rep.Since)
	}
	if rep.Until != nil {
		p.Filters = append(p.Filters, "until "+*rep.Until)
	}
	for _, g := range rep.TaskGlobs {
		p.Filters = append(p.Filters, "task "+g)
	}
	f := opt.Stats.Filter
	for _, r := range opt.InProgress {
		if !f.MatchTask(r.Task) || (f.Since != 0 && r.Start.UnixMilli() < f.Since) {
			continue
		}
		state := "running"
		if r.Waiting != "" {
			state = "waiting to be recorded: " + r.Waiting
		}
		p.InProgress = append(p.InProgress, Running{Task: r.Task, Started: r.Start.UTC().Format("2006-01-02 15:04:05Z"),
			Elapsed: stats.HumanSeconds(max(opt.Now.Sub(r.Start), 0).Seconds()), State: state, RunID: r.ID})
	}
	switch {
	case rep.Lines-rep.Skipped <= 0:
		p.Empty = true
		return p
	case rep.Overall.Runs == 0:
		p.NoMatch = true
		return p
	}
	p.FirstRun, p.LastRun = when(rep.Overall.FirstRun), when(rep.Overall.LastRun)
	p.Retries = x.overall.retries > 0
	p.Trimmed = x.trim(firstMissed(opt.Missed))
	p.Span = span(rep.Overall.FirstRun, rep.Overall.LastRun)
	fr := newFrame(x.g, rep.Period)

	p.Overall = section("all", "All tasks", rep.Overall, x.overall, fr, p.Retries)

	tasks := slices.Clone(rep.Tasks)
	if len(tasks) > MaxTasks {
		slices.SortStableFunc(tasks, func(a, b stats.TaskStats) int { return cmp.Compare(b.Runs, a.Runs) })
		for _, t := range tasks[MaxTasks:] {
			p.MoreTasks++
			p.MoreRuns += t.Runs
		}
		tasks = tasks[:MaxTasks]
		slices.SortFunc(tasks, func(a, b stats.TaskStats) int { return cmp.Compare(a.TaskID, b.TaskID) })
	}
	for i, t := range tasks {
		te := x.tasks[t.TaskID]
		if te == nil { // a task stats saw and the second pass did not: the file grew
			te = &taskExtra{cells: make([]cell, x.g.n)}
		}
		s := section("task-"+strconv.Itoa(i+1), t.TaskID, t, te, fr, p.Retries)
		p.Tasks = append(p.Tasks, &s)
	}
	markMissed(p, opt.Missed, x.g, fr, opt.MissedAsOf)
	pageDir := opt.PageDir
	for _, fl := range x.latest {
		fl.Detail = clip(fl.Detail)
		if !opt.NoLogLinks {
			fl.LogHref = logHref(fl.LogFile, opt.WorkDir, filepath.Dir(opt.History), pageDir)
		}
		p.Latest = append(p.Latest, fl)
	}
	return p
}

func section(id, name string, t stats.TaskStats, te *taskExtra, fr frame, retries bool) Section {
	s := Section{ID: id, Name: name, Figures: figures(t, te, retries)}
	if t.TaskID == stats.OverallTaskName {
		s.Name = "All tasks"
	}
	byStart := map[string]stats.Period{}
	for _, pd := range t.Periods {
		byStart[pd.Start] = pd
	}
	periods := make([]*stats.Period, fr.n)
	for i := range fr.n {
		if pd, ok := byStart[fr.starts[i]]; ok {
			periods[i] = &pd
		}
	}
	s.Charts = []*Chart{runsChart(fr, periods, te), rateChart(fr, periods), durationChart(fr, periods)}
	if t.TaskID == stats.OverallTaskName {
		s.Charts = append(s.Charts, tokensChart(fr, t), costChart(fr, te))
	}
	for _, c := range s.Charts {
		c.ID = id + "-" + c.Kind
	}
	for i, pd := range periods {
		if pd == nil {
			continue
		}
		c := te.cells[i]
		row := PeriodRow{Start: pd.Start, Runs: thousands(pd.Runs), Success: thousands(c.outcomes[outSuccess]),
			Timeout: thousands(c.outcomes[outTimeout]), Exit: thousands(c.outcomes[outExit]),
			Exception: thousands(c.outcomes[outException]), Other: thousands(c.outcomes[outOther]),
			Rate: pct(pd.SuccessRate), Tokens: thousands(pd.Tokens), P50: "–", P95: "–", Cost: "–"}
		if pd.Duration != nil {
			row.P50, row.P95 = stats.HumanSeconds(pd.Duration.P50), stats.HumanSeconds(pd.Duration.P95)
		}
		if c.costRuns > 0 {
			row.Cost = stats.FormatCost(c.cost)
		}
		s.Rows = append(s.Rows, row)
	}
	var failed int64
	for _, f := range t.Failures {
		failed += f.Count
	}
	for i, f := range t.Failures {
		if i == maxFailTypes {
			s.MoreFails = len(t.Failures) - i
			break
		}
		ft := FailType{Type: f.Label(), Count: thousands(f.Count), Share: pct(float64(f.Count) / float64(failed))}
		details := f.TopDetails
		if t.TaskID != stats.OverallTaskName {
			// A task's own section lists its most frequent detail; all
			// tasks together list three, as stats does.
			details = details[:min(len(details), 1)]
		}
		for _, d := range details {
			ft.Details = append(ft.Details, Detail{Text: clip(d.Detail), Count: thousands(d.Count)})
		}
		s.Fails = append(s.Fails, ft)
	}
	return s
}

func figures(t stats.TaskStats, te *taskExtra, retries bool) Figures {
	f := Figures{Runs: thousands(t.Runs), Successes: thousands(t.Successes), Rate: "–", Tokens: thousands(t.Tokens),
		TokensPerOK: "n/a", Cost: "–", P50: "–", P95: "–", Verdict: stats.VerdictText(t.Trend),
		FirstRun: when(t.FirstRun), LastRun: when(t.LastRun)}
	if t.SuccessRate != nil {
		f.Rate = pct(*t.SuccessRate)
	}
	if t.TokensPerSuccess != nil {
		f.TokensPerOK = thousands(int64(*t.TokensPerSuccess + 0.5))
	}
	if t.CostUSD != nil {
		f.Cost = stats.FormatCost(*t.CostUSD)
		if t.RunsWithCost < t.Runs {
			f.CostNote = fmt.Sprintf("known for %s of %s runs", thousands(t.RunsWithCost), thousands(t.Runs))
		}
	}
	if d := t.Duration; d != nil {
		f.P50, f.P95 = stats.HumanSeconds(d.P50), stats.HumanSeconds(d.P95)
	}
	if retries {
		// A scheduled run is a series of attempts: its first attempt has
		// no retry_of. It succeeded when one attempt did (retrying stops
		// at a success), so the rate is successes over first attempts.
		series := t.Runs - te.retries
		f.Series, f.Retries = thousands(series), thousands(te.retries)
		if series > 0 {
			f.SeriesRate = pct(min(float64(t.Successes)/float64(series), 1))
		}
	}
	switch t.Trend.Verdict {
	case stats.VerdictSlower:
		f.VerdictClass = "bad"
	case stats.VerdictFaster:
		f.VerdictClass = "good"
	}
	if t.Trend.Change != nil && t.Trend.RecentP50 != nil && t.Trend.PreviousP50 != nil {
		f.VerdictDetail = fmt.Sprintf("median %s → %s (%+.0f%%)", stats.HumanSeconds(*t.Trend.PreviousP50),
			stats.HumanSeconds(*t.Trend.RecentP50), *t.Trend.Change*100)
	}
	return f
}

var outcomeClasses = []string{"s-ok", "s-timeout", "s-exit", "s-exc", "s-other"}
