package metrics

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestE2EPrometheus runs the real thing: node_exporter reading the textfile
// `ccq metrics --textfile` writes, `ccq metrics serve`, and Prometheus
// scraping both every second; then asks Prometheus, in PromQL, what the
// history holds, before and after more runs are recorded.
func TestE2EPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	prom := needTool(t, "prometheus")
	nodeExp := needTool(t, "prometheus-node-exporter")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found to build ccq")
	}
	tmp := t.TempDir()
	ccq := filepath.Join(tmp, "ccq")
	// ccq hands `metrics` to ccq-helper, which it finds next to itself.
	build := exec.Command(goBin, "build", "-o", tmp+"/", "../cmd/ccq", "../cmd/ccq-helper")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build ccq: %v\n%s", err, b)
	}
	logs, textDir := filepath.Join(tmp, "logs"), filepath.Join(tmp, "textfile")
	os.MkdirAll(textDir, 0o755)

	w := newWant()
	rng := rand.New(rand.NewPCG(7, 7))
	tasks := []string{"nightly-report", "triage", "deps"}
	at := w.record(t, logs, rng, tasks, time.Now().Add(-48*time.Hour).Truncate(time.Second), 300)
	f, _ := os.OpenFile(filepath.Join(logs, "history.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{\"torn\n")
	f.Close()
	w.skipped++
	textfile := func() {
		if b, err := exec.Command(ccq, "metrics", "--logs-dir", logs, "--textfile", textDir).CombinedOutput(); err != nil {
			t.Fatalf("ccq metrics --textfile: %v\n%s", err, b)
		}
	}
	textfile()

	ctx, cancel := context.WithCancel(context.Background())
	var started []*exec.Cmd
	defer func() {
		cancel() // interrupts every process, then waits for them
		for _, cmd := range started {
			cmd.Wait()
		}
	}()
	start := func(name string, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 5 * time.Second
		started = append(started, cmd)
		return cmd
	}
	// ccq metrics serve on a free port, read back from its stderr.
	serve := start(ccq, "metrics", "serve", "--logs-dir", logs, "--listen", "127.0.0.1:0")
	stderr, _ := serve.StderrPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var ccqAddr string
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), " on http://"); ok {
			ccqAddr = strings.TrimSuffix(rest, "/metrics")
			break
		}
	}
	if ccqAddr == "" {
		t.Fatal("ccq metrics serve printed no address")
	}
	go func() {
		for sc.Scan() {
			t.Logf("ccq: %s", sc.Text())
		}
	}()

	nodeAddr, promAddr := freeAddr(t), freeAddr(t)
	ne := start(nodeExp, "--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+textDir, "--web.listen-address="+nodeAddr)
	if err := ne.Start(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(tmp, "prometheus.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ccq
    static_configs: [{targets: [%q]}]
  - job_name: node
    static_configs: [{targets: [%q]}]
`, ccqAddr, nodeAddr)), 0o644)
	pr := start(prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(tmp, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	pr.Stdout, pr.Stderr = os.Stderr, os.Stderr
	if err := pr.Start(); err != nil {
		t.Fatal(err)
	}

	check := func(phase string) {
		deadline := time.Now().Add(90 * time.Second)
		for {
			errs := promMatches(promAddr, w)
			if len(errs) == 0 {
				t.Logf("%s: Prometheus agrees with the history", phase)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: after 90 s Prometheus still disagrees:\n%s", phase, strings.Join(errs, "\n"))
			}
			time.Sleep(time.Second)
		}
	}
	check("start")
	// More runs: the server picks them up on its next scrape, the textfile
	// when it is rewritten (as the textfile sink does after each run).
	w.record(t, logs, rng, append(tasks, "new-task"), at, 120)
	textfile()
	check("after 120 more runs")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// query asks Prometheus for an instant vector: labels → value.
func query(addr, q string) (map[string]float64, error) {
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range r.Data.Result {
		v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
		out[s.Metric["job"]+"/"+s.Metric["task"]+"/"+s.Metric["outcome"]] = v
	}
	return out, nil
}

// promMatches lists where Prometheus' answers differ from the history, for
// both jobs (the server and node_exporter's textfile).
func promMatches(addr string, w *want) []string {
	var errs []string
	ask := func(q string) map[string]float64 {
		m, err := query(addr, q)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", q, err))
		}
		return m
	}
	runs := ask(`ccq_runs_total`)
	tokens := ask(`ccq_tokens_total`)
	lastOK := ask(`ccq_last_success_timestamp_seconds`)
	p95 := ask(`histogram_quantile(0.95, sum by (job, task, le) (ccq_run_duration_seconds_bucket))`)
	bad := ask(`ccq_history_unreadable_lines_total`)
	for _, job := range []string{"ccq", "node"} {
		for task, by := range w.runs {
			for _, o := range Outcomes {
				if got, want := runs[job+"/"+task+"/"+o], float64(by[o]); got != want {
					errs = append(errs, fmt.Sprintf("%s ccq_runs_total{task=%q,outcome=%q} = %v, history has %v", job, task, o, got, want))
				}
			}
			if got, want := tokens[job+"/"+task+"/"], float64(w.tokens[task]); got != want {
				errs = append(errs, fmt.Sprintf("%s ccq_tokens_total{task=%q} = %v, history has %v", job, task, got, want))
			}
			if ls, ok := w.lastSuccess[task]; ok {
				if got, want := lastOK[job+"/"+task+"/"], float64(ls.UnixMilli())/1000; math.Abs(got-want) > 1e-3 {
					errs = append(errs, fmt.Sprintf("%s last success of %s = %v, history has %v", job, task, got, want))
				}
			}
			exact := w.p95(task)
			lo, hi := bucketOf(exact)
			if got := p95[job+"/"+task+"/"]; got < lo || got > hi {
				errs = append(errs, fmt.Sprintf("%s p95 of %s = %v, outside the bucket (%v, %v] of the exact %v", job, task, got, lo, hi, exact))
			}
		}
		if got := bad[job+"//"]; got != float64(w.skipped) {
			errs = append(errs, fmt.Sprintf("%s unreadable lines = %v, want %d", job, got, w.skipped))
		}
	}
	return errs
}
