package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

// The start-up benchmarks run the binaries as cron does, each iteration
// paired with an empty Go program (`func main() {}`), so the ratios come
// from one run on one machine:
//
//	go test -run '^$' -bench 'Startup|Launch' -benchtime 200x ./cmd/ccq
//
// Goals (issue 21): ccq --version within 2x an empty Go program; ccq
// launch adding at most 3x an empty Go program's start to the stand-in's
// own time; the ccq binary at most 12 MB.

// BenchmarkStartup: ccq --version against an empty Go program, and the
// binaries' sizes. The figures are medians over the iterations, each
// iteration running both programs one after the other: a loaded or noisy
// machine moves means, much less medians.
func BenchmarkStartup(b *testing.B) {
	dir := claudetest.Build(b, "./cmd/ccq", "./cmd/ccq-helper", "./cmd/ccq-hook")
	ccq, empty := filepath.Join(dir, "ccq"), emptyGo(b)
	env := []string{"PATH=/usr/bin:/bin", "HOME=/no-home"}
	spawn(b, ccq, env, "--version") // warm the page cache
	var tEmpty, tCCQ, cEmpty, cCCQ series
	b.ResetTimer()
	for range b.N {
		w, c := spawnCPU(b, empty, env)
		tEmpty, cEmpty = append(tEmpty, w), append(cEmpty, c)
		w, c = spawnCPU(b, ccq, env, "--version")
		tCCQ, cCCQ = append(tCCQ, w), append(cCCQ, c)
	}
	b.StopTimer()
	e, c := tEmpty.median(), tCCQ.median()
	b.ReportMetric(c, "ccq-ms/op")
	b.ReportMetric(c/e, "ratio")
	b.ReportMetric(cCCQ.median()/cEmpty.median(), "cpu-ratio")
	for _, bin := range []string{"ccq", "ccq-helper", "ccq-hook"} {
		st, err := os.Stat(filepath.Join(dir, bin))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Size())/1e6, bin+"-MB")
	}
	b.Logf("medians: empty Go program %.2f ms, ccq --version %.2f ms: ratio %.2f (goal <= 2); CPU time %.2f vs %.2f ms: ratio %.2f",
		e, c, c/e, cEmpty.median(), cCCQ.median(), cCCQ.median()/cEmpty.median())
}

// BenchmarkLaunch: ccq launch of a stand-in claude that prints one result
// line, against the stand-in alone, with no sink and with the OTLP sink
// (to a local OTLP/HTTP endpoint: the helper's start plus the export).
// Medians, as in BenchmarkStartup.
//
// The runs start in a plain directory. In a git repository the run's
// fingerprint also asks `git status` for the dirty flag, beside claude: a
// stand-in that ends sooner waits for it. That case is timed apart
// (in-repo-ms/op, this repository's git status), as it is the
// repository's cost, not ccq's.
func BenchmarkLaunch(b *testing.B) {
	dir := claudetest.Build(b, "./cmd/ccq", "./cmd/ccq-helper")
	ccq, empty := filepath.Join(dir, "ccq"), emptyGo(b)
	p := b.TempDir()
	claude := filepath.Join(p, "claude")
	result := `{"type":"result","subtype":"success","is_error":false,"num_turns":1,"result":"ok","session_id":"s1","total_cost_usd":0.01,"usage":{"input_tokens":5,"output_tokens":7}}`
	if err := os.WriteFile(claude, []byte("#!/bin/sh\necho '"+result+"'\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "tasks"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "tasks", "job.md"), []byte("Do the job.\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	env := []string{"PATH=" + filepath.Dir(ccq) + ":/usr/bin:/bin", "HOME=" + p, "CCQ_LOGS_DIR=" + filepath.Join(p, "logs"),
		"CCQ_TASKS_DIR=" + filepath.Join(p, "tasks"), "CCQ_CLAUDE=" + claude}
	otlpEnv := append(env[:len(env):len(env)], "OTEL_EXPORTER_OTLP_ENDPOINT="+srv.URL)
	spawnIn(b, p, ccq, env, "launch", "--quiet", "job") // warm the caches
	spawnIn(b, p, ccq, otlpEnv, "launch", "--quiet", "job")
	var tEmpty, tDirect, tLaunch, tOTLP, tRepo series
	b.ResetTimer()
	for range b.N {
		tEmpty = append(tEmpty, spawnIn(b, p, empty, env))
		tDirect = append(tDirect, spawnIn(b, p, claude, env))
		tLaunch = append(tLaunch, spawnIn(b, p, ccq, env, "launch", "--quiet", "job"))
		tOTLP = append(tOTLP, spawnIn(b, p, ccq, otlpEnv, "launch", "--quiet", "job"))
		tRepo = append(tRepo, spawnIn(b, claudetest.RepoRoot(), ccq, env, "launch", "--quiet", "job"))
	}
	b.StopTimer()
	e, d, l, o, r := tEmpty.median(), tDirect.median(), tLaunch.median(), tOTLP.median(), tRepo.median()
	b.ReportMetric(l-d, "added-ms/op")
	b.ReportMetric((l-d)/e, "added/empty-go")
	b.ReportMetric(o-l, "otlp-ms/op")
	b.ReportMetric(r-l, "in-repo-ms/op")
	b.Logf("medians: empty Go program %.2f ms; stand-in alone %.2f ms; through ccq launch %.2f ms: %.2f ms added, %.2fx an empty Go program (goal <= 3); "+
		"with the OTLP sink %.2f ms, %.2f ms more (ccq-helper's start and the export); in this git repository %.2f ms, %.2f ms more (git status for the fingerprint)",
		e, d, l, l-d, (l-d)/e, o, o-l, r, r-l)
}

// emptyGo builds `func main() {}`: the floor of any Go program's start.
func emptyGo(b *testing.B) string {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "empty")
	cmd := exec.Command("go", "build", "-o", bin, "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// spawn runs bin to its end and returns the wall time.
func spawn(b *testing.B, bin string, env []string, args ...string) time.Duration {
	return spawnIn(b, "", bin, env, args...)
}

// spawnIn is spawn in the working directory dir.
func spawnIn(b *testing.B, dir, bin string, env []string, args ...string) time.Duration {
	wall, _ := spawnCPUIn(b, dir, bin, env, args...)
	return wall
}

// spawnCPU runs bin to its end and returns the wall time and the CPU time
// (user and system) of the process, which a loaded machine inflates less.
func spawnCPU(b *testing.B, bin string, env []string, args ...string) (wall, cpu time.Duration) {
	return spawnCPUIn(b, "", bin, env, args...)
}

func spawnCPUIn(b *testing.B, dir, bin string, env []string, args ...string) (wall, cpu time.Duration) {
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir = env, dir
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	}
	wall = time.Since(start)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// series is one program's times over a benchmark's iterations.
type series []time.Duration

// median in milliseconds.
func (s series) median() float64 {
	c := slices.Clone(s)
	slices.Sort(c)
	return float64(c[len(c)/2].Microseconds()) / 1000
}
