package metrics

import (
	"bytes"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalidUTF8TaskKeepsEverySeries: one hand-edited line whose task_id
// is not valid UTF-8 neither panics nor costs the other tasks their
// series, printed (ccq metrics) or served (ccq metrics serve); the task
// itself is counted under its name with U+FFFD, as encoding/json reads it.
func TestInvalidUTF8TaskKeepsEverySeries(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	lines := "{\"task_id\":\"good\",\"success\":true,\"error_type\":null,\"tokens\":1,\"duration_s\":1,\"log_file\":\"l\",\"timestamp\":\"2026-03-01T10:00:00.000Z\"}\n" +
		"{\"task_id\":\"bad\xff\",\"success\":false,\"error_type\":\"timeout\",\"tokens\":1,\"duration_s\":1,\"log_file\":\"l\",\"timestamp\":\"2026-03-01T10:01:00.000Z\"}\n" +
		"{\"task_id\":\"bad\xfe\",\"success\":false,\"error_type\":\"timeout\",\"tokens\":1,\"duration_s\":1,\"log_file\":\"l\",\"timestamp\":\"2026-03-01T10:02:00.000Z\"}\n"
	if err := os.WriteFile(hist, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`ccq_runs_total{outcome="success",task="good"} 1`,
		"ccq_runs_total{outcome=\"timeout\",task=\"bad\uFFFD\"} 2",
	}

	src := NewSource(hist, "", "")
	if err := src.Refresh(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, NewRegistry(src)); err != nil {
		t.Fatalf("ccq metrics: %v", err)
	}
	for _, w := range want {
		if !strings.Contains(b.String(), w+"\n") {
			t.Errorf("printed metrics lack %s:\n%s", w, b.String())
		}
	}

	srv := httptest.NewServer(Handler(NewSource(hist, "", ""), io.Discard))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("served %s", resp.Status)
	}
	for _, w := range want {
		if !strings.Contains(string(body), w+"\n") {
			t.Errorf("served metrics lack %s:\n%s", w, body)
		}
	}
}
