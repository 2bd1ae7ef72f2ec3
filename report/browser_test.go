package report_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests load the page from file:// in Debian's chromium,
// headless, and read what it shows from the live DOM.
//
// Set CCQ_CHROMIUM to use another browser binary, and
// CCQ_REPORT_ARTIFACTS to a directory to keep the screenshots.

// findChromium returns the browser, or skips (fails under CI=true).
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CCQ_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no chromium on PATH: install it with `apt-get install -y chromium` (or set CCQ_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless chromium with a fresh profile, and what the
// page did: console messages and exceptions, requests, dialogs.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	console  []string
	requests []string
	dialogs  []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := findChromium(t)
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1200, 900),
	}
	// Generous: a loaded 2-core machine starts chromium slowly.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelB()
		cancelA()
		cancel()
	})
	b := &browser{ctx: bctx}
	err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		case *runtime.EventExceptionThrown:
			b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text+" "+exceptionText(ev.ExceptionDetails))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				b.console = append(b.console, fmt.Sprintf("log %s: %s (%s)", ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		case *page.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			// The page is blocked until the dialog closes; close it from
			// outside the event loop.
			go chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if err != nil {
		t.Fatalf("starting chromium (%s): %v", exe, err)
	}
	// The log domain reports CSP violations and failed loads.
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// open loads the page and waits until its script ran.
func (b *browser) open(t *testing.T, path string) string {
	t.Helper()
	u := (&url.URL{Scheme: "file", Path: path}).String()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(u), chromedp.WaitReady("footer")); err != nil {
		t.Fatal(err)
	}
	// Let late events (a deferred load, a dialog) arrive before counting.
	if err := chromedp.Do(b.ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	return u
}

// checkClean: no console error or exception, no dialog, and no request
// but the document itself.
func (b *browser) checkClean(t *testing.T, docURL string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.console) > 0 {
		t.Errorf("console messages: %q", b.console)
	}
	if len(b.dialogs) > 0 {
		t.Errorf("JavaScript dialogs opened: %q", b.dialogs)
	}
	for _, r := range b.requests {
		if r != docURL {
			t.Errorf("request to %s (only %s expected)", r, docURL)
		}
	}
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("CCQ_REPORT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(png))
}

// domRow is what one row of the task table shows.
type domRow struct {
	Task, Href, Runs, Rate, SRate, Tokens, TPS, Cost, P50, P95, Trend string
}

// domCharts counts what each chart of a section draws.
type domCharts struct {
	Bars     int `json:"bars"`
	RatePts  int `json:"ratePts"`
	P50Pts   int `json:"p50Pts"`
	P95Pts   int `json:"p95Pts"`
	TokenBar int `json:"tokenBars"`
	CostBar  int `json:"costBars"`
	Rows     int `json:"rows"`
}

const readDOM = `(() => {
  const q = (s, r) => Array.from((r || document).querySelectorAll(s));
  const txt = (r, s) => { const e = r.querySelector(s); return e ? e.textContent : ""; };
  const charts = id => ({
    bars: q('#' + id + '-runs .bar').length,
    ratePts: q('#' + id + '-rate .pt').length,
    p50Pts: q('#' + id + '-duration .l-p50 .pt').length,
    p95Pts: q('#' + id + '-duration .l-p95 .pt').length,
    tokenBars: q('#' + id + '-tokens .bar').length,
    costBars: q('#' + id + '-cost .bar').length,
    rows: q('#' + id + '-numbers tbody tr').length,
  });
  const rows = q('table.tasks tbody tr').map(tr => ({
    Task: txt(tr, 'th'), Href: tr.querySelector('th a').getAttribute('href'),
    Runs: txt(tr, '.runs'), Rate: txt(tr, '.rate'), SRate: txt(tr, '.srate'), Tokens: txt(tr, '.tokens'),
    TPS: txt(tr, '.tps'), Cost: txt(tr, '.cost'), P50: txt(tr, '.p50'), P95: txt(tr, '.p95'), Trend: txt(tr, '.trend'),
  }));
  const sections = {all: charts('all')};
  for (const r of rows) sections[r.Href.slice(1)] = charts(r.Href.slice(1));
  return {
    rows, sections,
    overview: {runs: txt(document, '#ov-runs'), rate: txt(document, '#ov-rate'), seriesRate: txt(document, '#ov-series-rate'),
      tokens: txt(document, '#ov-tokens'), cost: txt(document, '#ov-cost'), p50: txt(document, '#ov-p50'), p95: txt(document, '#ov-p95')},
    names: q('section.task h2').map(h => h.lastChild.textContent.trim()),
    details: q('table.latest td.detail').map(td => td.textContent),
    latestTasks: q('table.latest td.task').map(td => td.textContent),
    links: q('table.latest a').map(a => a.getAttribute('href')),
    imgs: q('img').length,
    scripts: q('script').length,
  };
})()`

type domPage struct {
	Rows     []domRow             `json:"rows"`
	Sections map[string]domCharts `json:"sections"`
	Overview struct {
		Runs, Rate, SeriesRate, Tokens, Cost, P50, P95 string
	} `json:"overview"`
	Names       []string `json:"names"`
	Details     []string `json:"details"`
	LatestTasks []string `json:"latestTasks"`
	Links       []string `json:"links"`
	Imgs        int      `json:"imgs"`
	Scripts     int      `json:"scripts"`
}

// expectation is what the fixture implies, counted from its entries alone.
type expectation struct {
	days     map[string]map[string]bool // task → days with runs
	costDays map[string]bool            // days with a cost, all tasks
}

func expect(es []recorder.Entry) expectation {
	x := expectation{days: map[string]map[string]bool{"*": {}}, costDays: map[string]bool{}}
	for _, e := range es {
		d := e.Timestamp[:10]
		if x.days[e.TaskID] == nil {
			x.days[e.TaskID] = map[string]bool{}
		}
		x.days[e.TaskID][d], x.days["*"][d] = true, true
		if e.CostUSD != nil {
			x.costDays[d] = true
		}
	}
	return x
}

func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	es := fixture()
	writeHistory(t, hist, es)
	pagePath := filepath.Join(dir, "out", "report.html")
	os.Mkdir(filepath.Dir(pagePath), 0o755)
	writePage(t, hist, pagePath, fixtureEnd.Add(12*time.Hour), "")
	docURL := b.open(t, pagePath)
	b.screenshot(t, "report-test.png")

	dom := eval[domPage](t, b, readDOM)
	b.checkClean(t, docURL)

	t.Run("charts", func(t *testing.T) {
		x := expect(es)
		want := map[string]string{"all": "*"}
		for _, r := range dom.Rows {
			want[strings.TrimPrefix(r.Href, "#")] = r.Task
		}
		for id, task := range want {
			c, ok := dom.Sections[id]
			n := len(x.days[task])
			if !ok || c.Bars != n || c.RatePts != n || c.P50Pts != n || c.P95Pts != n || c.Rows != n {
				t.Errorf("%s (%q): drawn %+v, want %d bars, points and table rows (days with runs)", id, task, c, n)
			}
		}
		if c := dom.Sections["all"]; c.TokenBar != len(x.days["*"]) || c.CostBar != len(x.costDays) {
			t.Errorf("tokens and cost charts: %d and %d bars, want %d and %d", c.TokenBar, c.CostBar, len(x.days["*"]), len(x.costDays))
		}
		if len(dom.Rows) != 3 {
			t.Errorf("%d task rows, want 3", len(dom.Rows))
		}
	})

	t.Run("numbers equal ccq stats --json", func(t *testing.T) {
		rep := computeStats(t, hist)
		byTask := map[string]stats.TaskStats{}
		for _, ts := range rep.Tasks {
			byTask[ts.TaskID] = ts
		}
		for _, r := range dom.Rows {
			ts, ok := byTask[r.Task]
			if !ok {
				t.Errorf("row %q: no such task in stats", r.Task)
				continue
			}
			checkFigures(t, r.Task, ts, r.Runs, r.Rate, r.Tokens, r.Cost, r.P50, r.P95)
			if r.Trend != stats.VerdictText(ts.Trend) {
				t.Errorf("%s: trend %q, ccq stats says %q", r.Task, r.Trend, stats.VerdictText(ts.Trend))
			}
		}
		o := dom.Overview
		checkFigures(t, "overview", rep.Overall, o.Runs, o.Rate, o.Tokens, o.Cost, o.P50, o.P95)
		// One retried failure: 37 lines, 36 scheduled runs, 33 successes.
		if o.SeriesRate != "91.67%" {
			t.Errorf("success rate per scheduled run %q, want 91.67%% (33 of 36)", o.SeriesRate)
		}
	})

	t.Run("user data stays text", func(t *testing.T) {
		if dom.Imgs != 0 || dom.Scripts != 1 {
			t.Errorf("%d <img> and %d <script> elements, want 0 and 1", dom.Imgs, dom.Scripts)
		}
		if !slices.Contains(dom.Names, evilTask) || !slices.Contains(dom.LatestTasks, evilTask) {
			t.Errorf("task name not shown as text: sections %q, latest %q", dom.Names, dom.LatestTasks)
		}
		if !slices.Contains(dom.Details, evilDetail) {
			t.Errorf("error detail not shown as text: %q", dom.Details)
		}
	})

	t.Run("session log links", func(t *testing.T) {
		// The page is in out/, the logs below the history's directory.
		for _, l := range dom.Links {
			if !strings.HasPrefix(l, "../logs/scheduler/2026-11-") || !strings.HasSuffix(l, ".md") {
				t.Errorf("link %q, want ../logs/scheduler/…md", l)
			}
		}
		if len(dom.Links) != 4 {
			t.Errorf("%d links to session logs, want one per failure (4)", len(dom.Links))
		}
	})

	t.Run("hover shows exact values", func(t *testing.T) {
		tip := eval[string](t, b, `(() => {
		  const bar = document.querySelector('#all-runs .bar:last-of-type');
		  const r = bar.getBoundingClientRect();
		  bar.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, clientX: r.x + 2, clientY: r.y + 2, pointerType: 'mouse'}));
		  const tip = document.querySelector('.tip');
		  return getComputedStyle(tip).display + ' ' + tip.textContent;
		})()`)
		if !strings.HasPrefix(tip, "block 2026-11-30: 4 runs") {
			t.Errorf("tooltip %q, want the last day's exact runs", tip)
		}
	})

	t.Run("dark theme", func(t *testing.T) {
		light := eval[string](t, b, `getComputedStyle(document.body).backgroundColor`)
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
			t.Fatal(err)
		}
		dark := eval[string](t, b, `getComputedStyle(document.body).backgroundColor`)
		if light != "rgb(255, 255, 255)" || dark == light {
			t.Errorf("background light %s, dark %s", light, dark)
		}
		b.screenshot(t, "report-test-dark.png")
		chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	})

	t.Run("phone", func(t *testing.T) {
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		// Wide tables scroll inside their box; the page itself must not.
		w := eval[[]int](t, b, `[document.documentElement.scrollWidth, window.innerWidth]`)
		if w[0] > w[1] {
			t.Errorf("page %d px wide in a %d px viewport", w[0], w[1])
		}
		b.screenshot(t, "report-test-phone.png")
	})

	t.Run("print", func(t *testing.T) {
		pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF())
		if err != nil || len(pdf) < 1000 {
			t.Fatalf("print: %d bytes, %v", len(pdf), err)
		}
		open := eval[bool](t, b, `Array.from(document.querySelectorAll('details')).every(d => d.open)`)
		if !open {
			t.Error("printing left the tables of numbers closed")
		}
	})
	b.checkClean(t, docURL)
}

// checkFigures compares what the page shows with stats' figures, written
// as the page writes them.
func checkFigures(t *testing.T, who string, ts stats.TaskStats, runs, rate, tokens, cost, p50, p95 string) {
	t.Helper()
	num := func(s string) int64 {
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil {
			t.Errorf("%s: %q is not a count", who, s)
		}
		return n
	}
	if num(runs) != ts.Runs || num(tokens) != ts.Tokens {
		t.Errorf("%s: runs %s tokens %s, stats %d and %d", who, runs, tokens, ts.Runs, ts.Tokens)
	}
	if ts.SuccessRate == nil || rate != strconv.FormatFloat(*ts.SuccessRate*100, 'f', 2, 64)+"%" {
		t.Errorf("%s: success rate %q, stats %v", who, rate, ts.SuccessRate)
	}
	wantCost := "–"
	if ts.CostUSD != nil {
		wantCost = stats.FormatCost(*ts.CostUSD)
	}
	if cost != wantCost {
		t.Errorf("%s: cost %q, stats %q", who, cost, wantCost)
	}
	if ts.Duration == nil || p50 != stats.HumanSeconds(ts.Duration.P50) || p95 != stats.HumanSeconds(ts.Duration.P95) {
		t.Errorf("%s: p50 %q p95 %q, stats %+v", who, p50, p95, ts.Duration)
	}
}

// TestBrowserEmpty: the page of an empty history says so and where it
// looked, in the browser too.
func TestBrowserEmpty(t *testing.T) {
	b := newBrowser(t)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	pagePath := filepath.Join(dir, "report.html")
	writePage(t, hist, pagePath, fixtureEnd, "")
	docURL := b.open(t, pagePath)
	text := eval[string](t, b, `document.querySelector('#empty').innerText`)
	if !strings.Contains(text, "No runs were recorded yet") || !strings.Contains(text, hist) {
		t.Errorf("empty page says %q", text)
	}
	b.checkClean(t, docURL)
}

// TestREADMEScreenshot writes docs/report.png, the README's picture of a
// report over 30 days (as `ccq report --by day` draws it), when
// CCQ_WRITE_SCREENSHOT=1.
func TestREADMEScreenshot(t *testing.T) {
	if os.Getenv("CCQ_WRITE_SCREENSHOT") != "1" {
		t.Skip("set CCQ_WRITE_SCREENSHOT=1 to write docs/report.png")
	}
	out, err := filepath.Abs(filepath.Join("..", "docs", "report.png"))
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	// In a project directory, as `ccq report` is run there.
	dir := t.TempDir()
	t.Chdir(dir)
	hist := filepath.Join("logs", "scheduler", "history.jsonl")
	os.MkdirAll(filepath.Dir(hist), 0o700)
	end := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	writeHistory(t, hist, demoHistory(end))
	pagePath := filepath.Join(dir, "logs", "scheduler", "report.html")
	writePage(t, hist, pagePath, end, stats.PeriodDay)
	b.open(t, pagePath)
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1100, 1500)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
}
