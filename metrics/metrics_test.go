package metrics

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/stats"
)

// needTool finds a Prometheus binary. Under CI=true a missing one fails
// the test: the checks it runs must not silently go away.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI=true): apt-get install -y prometheus prometheus-node-exporter", name)
	}
	t.Skipf("%s not found: apt-get install -y prometheus prometheus-node-exporter", name)
	return ""
}

// want is what a test history holds, counted independently of stats.
type want struct {
	runs        map[string]map[string]int // task → outcome → runs
	tokens      map[string]int64
	lastSuccess map[string]time.Time
	lastRun     map[string]time.Time
	lastOK      map[string]bool
	durs        map[string][]float64
	skipped     int
}

func newWant() *want {
	return &want{runs: map[string]map[string]int{}, tokens: map[string]int64{}, lastSuccess: map[string]time.Time{},
		lastRun: map[string]time.Time{}, lastOK: map[string]bool{}, durs: map[string][]float64{}}
}

// record appends n runs of the tasks to the history in logs, from start
// on, one a minute, and counts them in w.
func (w *want) record(t testing.TB, logs string, rng *rand.Rand, tasks []string, start time.Time, n int) time.Time {
	t.Helper()
	types := []recorder.ErrorType{recorder.ErrTimeout, recorder.ErrExit, recorder.ErrException}
	for i := range n {
		task := tasks[rng.IntN(len(tasks))]
		at := start.Add(time.Duration(i) * time.Minute)
		e := recorder.Entry{TaskID: task, Success: rng.IntN(4) > 0, Tokens: int64(rng.IntN(50000))}
		e.SetStart(at)
		// Minutes-long runs, some exactly on a bucket bound.
		d := time.Duration(5+rng.IntN(3000)) * time.Second
		if rng.IntN(10) == 0 {
			d = 300 * time.Second
		}
		e.SetDuration(d + time.Duration(rng.IntN(1000))*time.Millisecond*time.Duration(rng.IntN(2)))
		outcome := OutcomeSuccess
		if !e.Success {
			e.ErrorType = types[rng.IntN(len(types))]
			outcome = string(e.ErrorType)
		}
		if err := recorder.Append(logs, &e); err != nil {
			t.Fatal(err)
		}
		if w.runs[task] == nil {
			w.runs[task] = map[string]int{}
		}
		w.runs[task][outcome]++
		w.tokens[task] += e.Tokens
		w.durs[task] = append(w.durs[task], e.DurationS)
		w.lastRun[task], w.lastOK[task] = at, e.Success
		if e.Success {
			w.lastSuccess[task] = at
		}
	}
	return start.Add(time.Duration(n) * time.Minute)
}

// p95 is the nearest-rank 95th percentile of a task's durations.
func (w *want) p95(task string) float64 {
	d := slices.Clone(w.durs[task])
	slices.Sort(d)
	return d[int(math.Ceil(0.95*float64(len(d))))-1]
}

// bucketOf is the histogram bucket (lo, hi] holding v.
func bucketOf(v float64) (lo, hi float64) {
	lo = 0
	for _, b := range stats.DurationBuckets() {
		if v <= b {
			return lo, b
		}
		lo = b
	}
	return lo, math.Inf(1)
}

// lines are the exposition lines w predicts (runs, tokens, last times,
// bucket counts and unreadable lines).
func (w *want) lines() []string {
	var out []string
	for task, by := range w.runs {
		for _, o := range Outcomes {
			out = append(out, fmt.Sprintf(`ccq_runs_total{outcome=%q,task=%q} %d`, o, task, by[o]))
		}
		out = append(out, fmt.Sprintf(`ccq_tokens_total{task=%q} %s`, task, fmtFloat(float64(w.tokens[task]))))
		out = append(out, fmt.Sprintf(`ccq_last_run_timestamp_seconds{task=%q} %s`, task, fmtFloat(float64(w.lastRun[task].UnixMilli())/1000)))
		ok := 0
		if w.lastOK[task] {
			ok = 1
		}
		out = append(out, fmt.Sprintf(`ccq_last_run_success{task=%q} %d`, task, ok))
		if ls, has := w.lastSuccess[task]; has {
			out = append(out, fmt.Sprintf(`ccq_last_success_timestamp_seconds{task=%q} %s`, task, fmtFloat(float64(ls.UnixMilli())/1000)))
		}
		for _, b := range stats.DurationBuckets() {
			n := 0
			for _, d := range w.durs[task] {
				if d <= b {
					n++
				}
			}
			out = append(out, fmt.Sprintf(`ccq_run_duration_seconds_bucket{task=%q,le="%s"} %d`, task, fmtFloat(b), n))
		}
		out = append(out, fmt.Sprintf(`ccq_run_duration_seconds_count{task=%q} %d`, task, len(w.durs[task])))
		out = append(out, fmt.Sprintf(`ccq_runs_in_progress{task=%q} 0`, task))
	}
	out = append(out, fmt.Sprintf("ccq_history_unreadable_lines_total %d", w.skipped))
	return out
}

// fmtFloat formats as the text exposition does.
func fmtFloat(v float64) string {
	var b bytes.Buffer
	fmt.Fprint(&b, v)
	s := b.String()
	if strings.Contains(s, "e+") {
		return fmt.Sprintf("%g", v)
	}
	return s
}

func checkExposition(t *testing.T, got string, w *want) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		have[l] = true
	}
	for _, l := range w.lines() {
		if !have[l] {
			t.Errorf("exposition lacks %s", l)
		}
	}
	if t.Failed() {
		t.Logf("exposition:\n%s", got)
	}
}

func TestExpositionMatchesHistory(t *testing.T) {
	logs := t.TempDir()
	w := newWant()
	rng := rand.New(rand.NewPCG(1, 1))
	w.record(t, logs, rng, []string{"nightly", "hourly", `we"ird\task`}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 400)
	src := ForLogsDir(logs)
	if err := src.Refresh(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, NewRegistry(src)); err != nil {
		t.Fatal(err)
	}
	checkExposition(t, out.String(), w)
	for _, name := range []string{"ccq_cost_usd_total", "run_id"} {
		if strings.Contains(out.String(), name) {
			t.Errorf("exposition has %s", name) // no run reported a cost; never a run id
		}
	}
}

// TestPromtoolChecksMetrics: promtool's linter accepts the exposition.
func TestPromtoolChecksMetrics(t *testing.T) {
	promtool := needTool(t, "promtool")
	logs := t.TempDir()
	w := newWant()
	w.record(t, logs, rand.New(rand.NewPCG(2, 2)), []string{"a", "b"}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 50)
	src := ForLogsDir(logs)
	if err := src.Refresh(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, NewRegistry(src)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &out
	if b, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(b)) != 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, b)
	}
}

// TestPromtoolRules: the example alerting rules load, and their unit tests
// pass.
func TestPromtoolRules(t *testing.T) {
	promtool := needTool(t, "promtool")
	dir := filepath.Join("..", "monitoring", "prometheus")
	for _, args := range [][]string{{"check", "rules", "ccq-alerts.yml"}, {"test", "rules", "ccq-alerts.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}

// TestServerPicksUpAppends: each scrape reads only what was appended, a
// torn line is counted and the rest still served.
func TestServerPicksUpAppends(t *testing.T) {
	logs := t.TempDir()
	w := newWant()
	rng := rand.New(rand.NewPCG(3, 3))
	at := w.record(t, logs, rng, []string{"a", "b"}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 100)
	src := ForLogsDir(logs)
	srv := httptest.NewServer(Handler(src, io.Discard))
	defer srv.Close()
	checkExposition(t, scrape(t, srv.URL+"/metrics"), w)
	if got := scrape(t, srv.URL+"/healthz"); got != "ok\n" {
		t.Errorf("/healthz: %q", got)
	}

	// A crash tore a line; the next run's line starts on a line of its own.
	h := recorder.HistoryPath(logs)
	f, _ := os.OpenFile(h, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"task_id":"a","succ`)
	f.Close()
	before, _ := os.Stat(h)
	w.skipped++
	w.record(t, logs, rng, []string{"a", "c"}, at, 30)
	after, _ := os.Stat(h)
	checkExposition(t, scrape(t, srv.URL+"/metrics"), w)
	if in := src.Info(); in.Rebuilt != "" || in.BytesRead != after.Size()-before.Size()+int64(len(`{"task_id":"a","succ`)) {
		t.Errorf("scrape read %+v, want only the %d bytes appended", in, after.Size()-before.Size())
	}
	// OpenMetrics when asked for.
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text") || !strings.HasSuffix(string(b), "# EOF\n") {
		t.Errorf("OpenMetrics: %s\n%s", resp.Header.Get("Content-Type"), b)
	}
}

func TestWriteTextfile(t *testing.T) {
	logs, dir := t.TempDir(), t.TempDir()
	w := newWant()
	w.record(t, logs, rand.New(rand.NewPCG(4, 4)), []string{"x"}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 20)
	src := ForLogsDir(logs)
	if err := src.Refresh(); err != nil {
		t.Fatal(err)
	}
	old := syscallUmask(0o077)
	defer syscallUmask(old)
	if err := WriteTextfile(dir, NewRegistry(src)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, TextfileName))
	if err != nil {
		t.Fatal(err)
	}
	checkExposition(t, string(b), w)
	if st, _ := os.Stat(filepath.Join(dir, TextfileName)); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode())
	}
	if err := WriteTextfile(filepath.Join(dir, "missing"), NewRegistry(src)); err == nil {
		t.Error("no error for a missing directory")
	}
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		os.Chmod(ro, 0o500)
		if err := WriteTextfile(ro, NewRegistry(src)); err == nil {
			t.Error("no error for a read-only directory")
		}
	}
}
