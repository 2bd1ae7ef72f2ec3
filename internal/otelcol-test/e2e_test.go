package otelcoltest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sinks/otlp"
)

// runEntries are n runs of every outcome, some with a cost and an attempt,
// most with a session, a model and Anthropic's usage (addModelRun).
func runEntries(n int) ([]launch.RunInfo, []recorder.Entry) {
	outcomes := []recorder.ErrorType{recorder.ErrNone, recorder.ErrExit, recorder.ErrTimeout, recorder.ErrException}
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var runs []launch.RunInfo
	var entries []recorder.Entry
	for i := range n {
		start := base.Add(time.Duration(i) * time.Minute)
		run := launch.RunInfo{RunID: launch.NewRunID(start), Task: []string{"nightly", "weekly"}[i%2], Start: start}
		e := recorder.Entry{TaskID: run.Task, ErrorType: outcomes[i%4], Success: outcomes[i%4] == recorder.ErrNone,
			Tokens: int64(1000 * (i + 1)), RunID: run.RunID, LogFile: "/logs/" + run.RunID + ".md", RecordedBy: recorder.ByLauncher,
			Extra: map[string]any{"attempt": 1 + i%2}}
		e.SetStart(start)
		e.SetDuration(time.Duration(i+1)*1500*time.Millisecond + 7*time.Millisecond)
		if i%3 != 0 {
			c := 0.01 * float64(i+1)
			e.CostUSD = &c
		}
		if !e.Success {
			e.ErrorDetail = "detail " + strconv.Itoa(i)
		}
		addModelRun(&e, i)
		runs = append(runs, run)
		entries = append(entries, e)
	}
	return runs, entries
}

// addModelRun gives the i-th run what a run that reached the API has: a
// session, a usage with cache tokens as Claude Code's transcripts have
// them, its model, and (except for every third, a hook's line) the
// fingerprint's models, a fallback in the odd ones. An exception (i%4 ==
// 3) never reached the API: its tokens stay an estimate.
func addModelRun(e *recorder.Entry, i int) {
	if i%4 == 3 {
		e.TokensSource = recorder.TokensEstimate
		return
	}
	e.SessionID = fmt.Sprintf("5fbc27f5-%04d", i)
	e.Usage = &recorder.Usage{Input: int64(3 + i), Output: int64(150 * (i + 1)), CacheCreation: int64(2000 + i), CacheRead: int64(9000 * (i + 1))}
	e.Tokens, e.TokensSource = e.Usage.Total(), recorder.TokensTranscript
	e.Model = "claude-opus-5-5"
	models := "claude-opus-5-5"
	if i%2 == 1 {
		e.Model, models = "claude-sonnet-5", "claude-opus-5-5,claude-sonnet-5"
	}
	if i%3 != 2 {
		e.Extra["fp"] = map[string]string{"claude": "2.1.328", "models": models}
	}
}

// TestSinkToCollector drives the sink with N runs, as ccq launch does,
// over each protocol.
func TestSinkToCollector(t *testing.T) {
	needBinaries(t)
	for _, proto := range []string{otlp.ProtocolHTTP, otlp.ProtocolGRPC} {
		t.Run(proto, func(t *testing.T) {
			c := startSinkCollector(t)
			endpoint := c.httpURL
			if proto == otlp.ProtocolGRPC {
				endpoint = c.grpcURL
			}
			s, err := otlp.New(context.Background(), map[string]string{
				otlp.EnvEndpoint: endpoint, otlp.EnvProtocol: proto, otlp.EnvFlushTimeout: "5s",
			}, "test")
			if err != nil || s == nil {
				t.Fatalf("New: %v %v", s, err)
			}
			defer s.Shutdown(context.Background())
			runs, entries := runEntries(8)
			var lines [][]byte
			for i := range runs {
				if err := s.Started(context.Background(), runs[i]); err != nil {
					t.Fatal(err)
				}
				if err := s.Finished(context.Background(), runs[i], entries[i]); err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				l, _ := entries[i].Marshal()
				lines = append(lines, l)
			}
			checkCollector(t, c, lines, true)
		})
	}
}

// TestSinkCollectorGone: a Collector that was there and has stopped costs
// the run at most the export timeout, and an error.
func TestSinkCollectorGone(t *testing.T) {
	needBinaries(t)
	c := startSinkCollector(t)
	const bound = 500 * time.Millisecond
	s, err := otlp.New(context.Background(), map[string]string{otlp.EnvEndpoint: c.httpURL, otlp.EnvFlushTimeout: bound.String()}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	runs, entries := runEntries(2)
	if err := s.Finished(context.Background(), runs[0], entries[0]); err != nil {
		t.Fatalf("with the Collector up: %v", err)
	}
	c.stop()
	t0 := time.Now()
	err = s.Finished(context.Background(), runs[1], entries[1])
	if took := time.Since(t0); took > bound+300*time.Millisecond {
		t.Errorf("Finished took %v with the Collector gone, bound %v", took, bound)
	}
	if err == nil {
		t.Error("no error with the Collector gone")
	}
}

// TestExportToCollector backfills a history with the real ccq binary.
func TestExportToCollector(t *testing.T) {
	needBinaries(t)
	c := startSinkCollector(t)
	_, entries := runEntries(7)
	var lines [][]byte
	var hist bytes.Buffer
	for i := range entries {
		l, _ := entries[i].Marshal()
		hist.Write(l)
		if entries[i].TaskID == "nightly" {
			lines = append(lines, l)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "history.jsonl")
	os.WriteFile(path, hist.Bytes(), 0o644)
	cmd := exec.Command(ccqBin, "export", "otlp", "--history", path, "--task", "nightly")
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "OTEL_EXPORTER_OTLP_ENDPOINT=" + c.httpURL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ccq export otlp: %v\n%s", err, out)
	}
	if want := "sent " + strconv.Itoa(len(lines)) + " runs from " + path + "\n"; string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
	checkCollector(t, c, lines, false)
	if len(c.spans(t)) != 0 || len(c.metrics(t)) != 0 {
		t.Error("a backfill sent spans or metrics")
	}
}

// TestLaunchToCollector runs the real `ccq launch` N times with
// OTEL_EXPORTER_OTLP_ENDPOINT set: the history's N lines arrive as N log
// records, N spans and metric points with the history's sums, and claude
// sees TRACEPARENT naming its run's span.
func TestLaunchToCollector(t *testing.T) {
	needBinaries(t)
	c := startSinkCollector(t)
	dir := t.TempDir()
	for _, d := range []string{"tasks", "bin"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "tasks", "nightly.md"), []byte("Check the build.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A stand-in claude: stream-json's init, one answer and a result with
	// usage and cost, the TRACEPARENT it was given on stderr, exit 0 or 33
	// as asked.
	claude := `#!/bin/sh
echo "traceparent=$TRACEPARENT" >&2
echo '{"type":"system","subtype":"init","session_id":"s-'$$'","model":"claude-opus-5-5","claude_code_version":"2.1.328","tools":[],"mcp_servers":[]}'
echo '{"type":"assistant","message":{"id":"msg_'$$'","model":"claude-opus-5-5","role":"assistant","content":[{"type":"text","text":"ok"}]},"session_id":"s-'$$'"}'
echo '{"type":"result","subtype":"success","is_error":false,"duration_ms":5,"num_turns":1,"result":"ok","session_id":"s-'$$'","total_cost_usd":0.5,"usage":{"input_tokens":100,"output_tokens":20,"cache_creation_input_tokens":3,"cache_read_input_tokens":4}}'
exit "${STANDIN_EXIT:-0}"
`
	os.WriteFile(filepath.Join(dir, "bin", "claude"), []byte(claude), 0o755)
	const n = 4
	for i := range n {
		cmd := exec.Command(ccqBin, "launch", "--quiet", "nightly")
		cmd.Dir = dir
		cmd.Env = []string{
			"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
			"CCQ_CLAUDE=" + filepath.Join(dir, "bin", "claude"),
			"CCQ_TASKS_DIR=" + filepath.Join(dir, "tasks"),
			"CCQ_LOGS_DIR=" + filepath.Join(dir, "logs"),
			"OTEL_EXPORTER_OTLP_ENDPOINT=" + c.httpURL,
			"STANDIN_EXIT=" + []string{"0", "33"}[i%2],
		}
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != []int{0, 33}[i%2] {
			t.Fatalf("run %d: exit %d\n%s", i, code, out)
		}
	}
	f, err := os.Open(filepath.Join(dir, "logs", "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if len(lines) != n {
		t.Fatalf("%d history lines, want %d", len(lines), n)
	}
	checkCollector(t, c, lines, true)
	checkServedGenAI(t, c, 100, 4, 3, 20, "claude-opus-5-5")
	// claude saw its run's TRACEPARENT.
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*", "nightly-*.md"))
	seen := 0
	for _, l := range lines {
		e, _ := otlp.ParseLine(l)
		for _, lf := range logs {
			if b, _ := os.ReadFile(lf); bytes.Contains(b, []byte("traceparent="+otlp.TraceParent(e.RunID))) {
				seen++
			}
		}
	}
	if seen != n {
		t.Errorf("%d of %d runs' session logs show claude the run's TRACEPARENT", seen, n)
	}
}

// TestFilelogRoute: deploy/otel/collector-filelog.yaml, as documented,
// tails a history file and sends each line that is there or appended as a
// log record, once, across a restart.
func TestFilelogRoute(t *testing.T) {
	needBinaries(t)
	sinkC := startSinkCollector(t)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	storage := filepath.Join(dir, "storage")
	os.MkdirAll(storage, 0o755)
	_, entries := runEntries(6)
	var lines [][]byte
	for i := range entries {
		l, _ := entries[i].Marshal()
		lines = append(lines, l)
	}
	appendLines := func(ls ...[]byte) {
		f, err := os.OpenFile(hist, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			f.Write(l) // one write per line, as the recorder does
		}
		f.Close()
	}
	appendLines(lines[:2]...) // there before the Collector starts
	cfg := filepath.Join(repoRoot, "deploy", "otel", "collector-filelog.yaml")
	env := []string{"CCQ_HISTORY=" + hist, "CCQ_OTELCOL_STORAGE=" + storage, "OTEL_EXPORTER_OTLP_ENDPOINT=" + sinkC.httpURL}
	tail := &collector{}
	tail.start(t, env, "--config", cfg)
	waitFor(t, "the lines already there", func() bool { return len(sinkC.logs(t)) >= 2 })
	appendLines(lines[2])
	appendLines(lines[3:5]...)
	waitFor(t, "the appended lines", func() bool { return len(sinkC.logs(t)) >= 5 })

	// Restarted, it goes on where it was: no line twice.
	tail.stop()
	appendLines(lines[5])
	tail2 := &collector{}
	tail2.start(t, env, "--config", cfg)
	checkFilelog(t, sinkC, lines)
}

func checkFilelog(t *testing.T, c *collector, lines [][]byte) {
	t.Helper()
	waitFor(t, "all lines", func() bool { return len(c.logs(t)) >= len(lines) })
	time.Sleep(1500 * time.Millisecond) // a duplicate would arrive now
	recs := c.logs(t)
	if len(recs) != len(lines) {
		t.Fatalf("%d log records for %d lines", len(recs), len(lines))
	}
	for _, m := range matchBodies(t, recs, lines) {
		r, line := m.rec, m.line
		e, _ := otlp.ParseLine(m.raw)
		a := attrs(r.Attributes)
		if a["cicd.pipeline.name"] != e.TaskID || a["cicd.pipeline.result"] != otlp.Result(&e) || a["cicd.pipeline.run.id"] != e.RunID ||
			a["log.record.uid"] != e.RunID || a["task_id"] != e.TaskID || r.Resource["service.name"] != "ccq" {
			t.Errorf("record for %s: attributes %v resource %v", e.RunID, a, r.Resource)
		}
		start, _ := time.Parse(time.RFC3339Nano, e.Timestamp)
		if r.TimeUnixNano != strconv.FormatInt(start.UnixNano(), 10) {
			t.Errorf("record time %s, want the run's start %d", r.TimeUnixNano, start.UnixNano())
		}
		wantSev := 9 // INFO
		if !e.Success {
			wantSev = 17 // ERROR
		}
		if r.SeverityNumber != wantSev {
			t.Errorf("severity %d for %s", r.SeverityNumber, line)
		}
	}
}
