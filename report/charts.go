package report

import (
	"fmt"
	"strings"

	"github.com/ccq-dev/ccq/stats"
)

func runsChart(fr frame, periods []*stats.Period, te *taskExtra) *Chart {
	c := fr.chart("runs", "Runs per "+fr.period+", by outcome", "runs")
	vals := make([][]float64, fr.n)
	for i, pd := range periods {
		if pd == nil {
			continue
		}
		o := te.cells[i].outcomes
		vals[i] = []float64{float64(o[0]), float64(o[1]), float64(o[2]), float64(o[3]), float64(o[4])}
	}
	fr.bars(c, vals, outcomeClasses, func(i int) string {
		o := te.cells[i].outcomes
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s runs", periods[i].Start, thousands(periods[i].Runs))
		for k := range nOutcomes {
			if o[k] > 0 {
				fmt.Fprintf(&b, ", %s %s", thousands(o[k]), outcomeLabels[k])
			}
		}
		return b.String()
	})
	for k := range nOutcomes {
		c.Legend = append(c.Legend, Legend{Class: outcomeClasses[k], Name: outcomeLabels[k]})
	}
	return c
}

var outcomeLabels = [nOutcomes]string{"succeeded", "timeout", "exit_error", "exception", "other"}

func rateChart(fr frame, periods []*stats.Period) *Chart {
	c := fr.chart("rate", "Success rate per "+fr.period, "percent of runs that succeeded")
	y := c.yAxis(1, c.tickLabel())
	vals, ok := make([]float64, fr.n), make([]bool, fr.n)
	for i, pd := range periods {
		if pd != nil {
			vals[i], ok[i] = pd.SuccessRate, true
		}
	}
	fr.line(c, y, Series{Class: "l-rate", Name: "success rate"}, vals, ok, func(i int) string {
		pd := periods[i]
		return fmt.Sprintf("%s: %s (%s of %s runs)", pd.Start, pct(pd.SuccessRate), thousands(pd.Successes), thousands(pd.Runs))
	})
	return c
}

func durationChart(fr frame, periods []*stats.Period) *Chart {
	c := fr.chart("duration", "Duration per "+fr.period+": median (p50) and p95", "seconds")
	top := 0.0
	p50, p95, ok := make([]float64, fr.n), make([]float64, fr.n), make([]bool, fr.n)
	for i, pd := range periods {
		if pd != nil && pd.Duration != nil {
			p50[i], p95[i], ok[i] = pd.Duration.P50, pd.Duration.P95, true
			top = max(top, pd.Duration.P95)
		}
	}
	y := c.yAxis(top, c.tickLabel())
	tip := func(q string, v []float64) func(int) string {
		return func(i int) string {
			return fmt.Sprintf("%s: %s %s (%s runs)", periods[i].Start, q, stats.HumanSeconds(v[i]), thousands(periods[i].Duration.Runs))
		}
	}
	fr.line(c, y, Series{Class: "l-p95", Name: "p95"}, p95, ok, tip("p95", p95))
	fr.line(c, y, Series{Class: "l-p50", Name: "p50"}, p50, ok, tip("p50", p50))
	return c
}

func tokensChart(fr frame, t stats.TaskStats) *Chart {
	c := fr.chart("tokens", "Tokens per "+fr.period, "tokens")
	byStart := map[string]stats.Period{}
	for _, pd := range t.Periods {
		byStart[pd.Start] = pd
	}
	vals := make([][]float64, fr.n)
	for i := range fr.n {
		if pd, ok := byStart[fr.starts[i]]; ok {
			vals[i] = []float64{float64(pd.Tokens)}
		}
	}
	fr.bars(c, vals, []string{"s-tokens"}, func(i int) string {
		pd := byStart[fr.starts[i]]
		return fmt.Sprintf("%s: %s tokens (%s runs)", pd.Start, thousands(pd.Tokens), thousands(pd.Runs))
	})
	return c
}

func costChart(fr frame, te *taskExtra) *Chart {
	c := fr.chart("cost", "Cost per "+fr.period+" (USD, where known)", "US dollars")
	vals := make([][]float64, fr.n)
	for i, cl := range te.cells {
		if cl.costRuns > 0 {
			vals[i] = []float64{cl.cost}
		}
	}
	fr.bars(c, vals, []string{"s-cost"}, func(i int) string {
		cl := te.cells[i]
		return fmt.Sprintf("%s: %s (%s runs with a cost)", fr.starts[i], stats.FormatCost(cl.cost), thousands(cl.costRuns))
	})
	return c
}
