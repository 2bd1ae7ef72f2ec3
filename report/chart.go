package report

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Charts are drawn here, in Go, as plain geometry that the template turns
// into SVG: bars and points carry their exact values in a <title> (the
// browser's tooltip; the page's script shows it on tap and focus too), and
// every chart's numbers are also in a table. Nothing in a chart is user
// text except inside <title> and legend labels, which html/template
// escapes like any other text.

// Chart is one SVG chart over the trend periods.
type Chart struct {
	ID      string // element id, unique in the page
	Kind    string // "runs", "rate", "duration", "tokens", "cost": the data-chart attribute
	Title   string
	Unit    string // what the y axis counts, for the accessible label
	W, H    int    // the viewBox
	Left    float64
	Bottom  float64 // y of the x axis
	Right   float64
	YTicks  []Tick
	XTicks  []Tick
	Bars    []Bar
	Series  []Series
	Legend  []Legend
	Marks   []Mark // missed slots under the x axis (missed.go)
	TableID string // the table holding the chart's numbers
}

// Tick is an axis label at a position.
type Tick struct {
	Pos   float64
	Label string
}

// Bar is one period's bar, in segments bottom up.
type Bar struct {
	X, W  float64
	Segs  []Seg
	Title string
}

// Seg is one segment of a stacked bar.
type Seg struct {
	Y, H  float64
	Class string
}

// Series is one line of a line chart. Path breaks at periods without data.
type Series struct {
	Class  string
	Name   string
	Path   string
	Points []Point
}

// Point is one period's value on a line.
type Point struct {
	X, Y  float64
	Title string
}

// Legend names a colour class.
type Legend struct {
	Class, Name string
}

const (
	chartW      = 640
	chartH      = 200
	chartLeft   = 52
	chartRight  = 632
	chartTop    = 10
	chartBottom = 176
)

// frame is the x layout shared by the charts of one grid.
type frame struct {
	n      int
	period string   // "day" or "week"
	starts []string // period start, as stats writes it
	labels []string // period start, "Jan 2"
	slot   float64
}

func newFrame(g grid, period string) frame {
	f := frame{n: g.n, period: period}
	if g.n == 0 {
		return f
	}
	f.slot = float64(chartRight-chartLeft) / float64(max(g.n, minPeriods))
	for i := range g.n {
		t := time.UnixMilli(g.start + int64(i)*g.step).UTC()
		f.starts = append(f.starts, t.Format("2006-01-02"))
		f.labels = append(f.labels, t.Format("Jan 2"))
	}
	return f
}

func (f frame) center(i int) float64 { return chartLeft + (float64(i)+0.5)*f.slot }

func (f frame) chart(kind, title, unit string) *Chart {
	// The axis ends after the last period: short of the chart's right edge
	// when there are fewer periods than minPeriods.
	c := &Chart{Kind: kind, Title: title, Unit: unit, W: chartW, H: chartH, Left: chartLeft,
		Right: r1(chartLeft + float64(f.n)*f.slot), Bottom: chartBottom}
	// At most 7 labels on the x axis, the last period always labelled.
	every := max(1, (f.n+6)/7)
	for i := f.n - 1; i >= 0; i -= every {
		c.XTicks = append(c.XTicks, Tick{Pos: r1(f.center(i)), Label: f.labels[i]})
	}
	return c
}

// yAxis sets ticks from 0 to a round maximum at or above top and returns
// the function from value to y.
func (c *Chart) yAxis(top float64, label func(float64) string) func(float64) float64 {
	var step float64
	switch c.Kind {
	case "rate":
		step = 0.25
	case "duration":
		step = niceSeconds(top / 4)
	case "cost":
		step = niceStep(top / 4)
	default: // counts
		step = max(1, niceStep(top/4))
	}
	if top <= 0 && c.Kind != "rate" {
		step = max(step, 1)
	}
	hi := step * 4
	for k := range 5 {
		v := step * float64(k)
		c.YTicks = append(c.YTicks, Tick{Pos: r1(chartBottom - v/hi*(chartBottom-chartTop)), Label: label(v)})
	}
	return func(v float64) float64 { return chartBottom - v/hi*(chartBottom-chartTop) }
}

// niceSeconds rounds a tick step up to one a clock reads well.
func niceSeconds(v float64) float64 {
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400} {
		if v <= s {
			return s
		}
	}
	return niceStep(v/86400) * 86400
}

// niceStep rounds up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p*1.0000001 {
			return m * p
		}
	}
	return 10 * p
}

// bars draws one bar per period with data. vals[i] are the segments of
// period i bottom up (nil: no bar); classes name their colours.
func (f frame) bars(c *Chart, vals [][]float64, classes []string, title func(i int) string) {
	top := 0.0
	for _, v := range vals {
		s := 0.0
		for _, x := range v {
			s += x
		}
		top = math.Max(top, s)
	}
	y := c.yAxis(top, c.tickLabel())
	for i, v := range vals {
		if v == nil {
			continue
		}
		b := Bar{X: r1(chartLeft + (float64(i)+0.15)*f.slot), W: r1(f.slot * 0.7), Title: title(i)}
		base := 0.0
		for k, x := range v {
			if x <= 0 {
				continue
			}
			y0, y1 := y(base), y(base+x)
			b.Segs = append(b.Segs, Seg{Y: r1(y1), H: r1(math.Max(y0-y1, 0.5)), Class: classes[k]})
			base += x
		}
		c.Bars = append(c.Bars, b)
	}
}

// line adds the series s (its class and name set) of vals: ok[i] says
// whether period i has a value.
func (f frame) line(c *Chart, y func(float64) float64, s Series, vals []float64, ok []bool, title func(i int) string) {
	var d strings.Builder
	pen := false
	for i, v := range vals {
		if !ok[i] {
			pen = false
			continue
		}
		p := Point{X: r1(f.center(i)), Y: r1(y(v)), Title: title(i)}
		if pen {
			d.WriteString("L")
		} else {
			d.WriteString("M")
		}
		d.WriteString(ftoa(p.X) + " " + ftoa(p.Y))
		pen = true
		s.Points = append(s.Points, p)
	}
	s.Path = d.String()
	c.Series = append(c.Series, s)
	c.Legend = append(c.Legend, Legend{Class: s.Class, Name: s.Name})
}

func (c *Chart) tickLabel() func(float64) string {
	switch c.Kind {
	case "rate":
		return func(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + "%" }
	case "duration":
		return secondsTick
	case "cost":
		return func(v float64) string { return "$" + strconv.FormatFloat(r4(v), 'f', -1, 64) }
	}
	return countTick
}

func r4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func countTick(v float64) string {
	v = r4(v)
	switch {
	case v >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', -1, 64) + "G"
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func secondsTick(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 3600 && math.Mod(v, 1800) == 0:
		return strconv.FormatFloat(v/3600, 'f', -1, 64) + "h"
	case v >= 60 && math.Mod(v, 30) == 0:
		return strconv.FormatFloat(v/60, 'f', -1, 64) + "m"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + "s"
}

// r1 rounds to a tenth: enough for a 640-unit viewBox, and short.
func r1(v float64) float64 { return math.Round(v*10) / 10 }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
