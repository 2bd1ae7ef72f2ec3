package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

// logsBackend is an OTLP/HTTP logs endpoint keeping the bodies it got.
type logsBackend struct {
	mu       sync.Mutex
	requests int
	bodies   []string
	uids     []string
}

func (b *logsBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	var req collogs.ExportLogsServiceRequest
	if r.URL.Path != "/v1/logs" || proto.Unmarshal(data, &req) != nil {
		http.Error(w, "bad request", 400)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests++
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				b.bodies = append(b.bodies, lr.Body.GetStringValue())
				for _, kv := range lr.Attributes {
					if kv.Key == "log.record.uid" {
						b.uids = append(b.uids, kv.Value.GetStringValue())
					}
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

// TestExportOTLP: every selected line arrives once, byte for byte, in
// requests of at most 512 records; malformed lines are skipped with a
// warning, filters apply.
func TestExportOTLP(t *testing.T) {
	b := &logsBackend{}
	srv := httptest.NewServer(b)
	defer srv.Close()
	dir := t.TempDir()
	var hist bytes.Buffer
	var want []string
	for i := range 600 {
		task := "nightly"
		if i%3 == 0 {
			task = "weekly"
		}
		line := fmt.Sprintf(`{"task_id":%q,"success":%v,"error_type":null,"tokens":%d,"duration_s":1.5,"log_file":"","timestamp":"2026-03-01T09:%02d:%02d.000Z","run_id":"r%04d","attempt":1}`,
			task, i%2 == 0, i, i/60, i%60, i)
		hist.WriteString(line + "\n")
		if task == "nightly" {
			want = append(want, line)
		}
		if i == 10 {
			hist.WriteString("not json\n\n")
		}
	}
	hist.WriteString(`{"task_id":"nightly","success":true,"tok`) // torn last line
	path := filepath.Join(dir, "h.jsonl")
	if err := os.WriteFile(path, hist.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := []string{"HOME=/no-home", "OTEL_EXPORTER_OTLP_ENDPOINT=" + srv.URL, "OTEL_SERVICE_NAME=test", "CCQ_HELPER=" + helperPath(t)}
	code := run([]string{"export", "otlp", "--history", path, "--task", "night*"}, nil, &stdout, &stderr, env)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got, wantOut := stdout.String(), fmt.Sprintf("sent %d runs from %s\n", len(want), path); got != wantOut {
		t.Errorf("stdout %q, want %q", got, wantOut)
	}
	if !strings.Contains(stderr.String(), "skipped 2 malformed lines") || !strings.Contains(stderr.String(), "(first: line 12)") {
		t.Errorf("stderr %q", stderr.String())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.requests != 1 {
		t.Errorf("%d requests for %d records", b.requests, len(want))
	}
	if len(b.bodies) != len(want) {
		t.Fatalf("got %d records, want %d", len(b.bodies), len(want))
	}
	for i := range want {
		if b.bodies[i] != want[i] {
			t.Fatalf("record %d body %q\nwant %q", i, b.bodies[i], want[i])
		}
		if b.uids[i] == "" || !strings.Contains(want[i], `"run_id":"`+b.uids[i]+`"`) {
			t.Fatalf("record %d uid %q", i, b.uids[i])
		}
	}

	// Without the filter: 600 runs, in two requests.
	b.bodies, b.uids, b.requests = nil, nil, 0
	b.mu.Unlock()
	stdout.Reset()
	code = run([]string{"export", "otlp", "--history", path}, nil, &stdout, &stderr, env)
	b.mu.Lock()
	if code != 0 || stdout.String() != "sent 600 runs from "+path+"\n" || b.requests != 2 || len(b.bodies) != 600 {
		t.Errorf("exit %d, stdout %q, %d requests, %d records", code, stdout.String(), b.requests, len(b.bodies))
	}
}
