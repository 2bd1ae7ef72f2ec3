package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

// TestReportServeThroughHelper: ccq report --serve hands the server to
// ccq-helper (ccq links no net/http): the page is served with the
// history's runs, and a SIGTERM to ccq ends both, exit 0.
func TestReportServeThroughHelper(t *testing.T) {
	dir := claudetest.Build(t, "./cmd/ccq")
	logs := filepath.Join(t.TempDir(), "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	line := `{"task_id":"nightly-digest","success":true,"error_type":null,"tokens":12,"duration_s":3.5,"log_file":"","timestamp":"2026-12-01T02:00:00.000Z"}` + "\n"
	if err := os.WriteFile(filepath.Join(logs, "history.jsonl"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "ccq"), "report", "--serve", "127.0.0.1:0")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "CCQ_LOGS_DIR=" + logs}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address: %v (stderr %q)", err, stderr.String())
	}
	addr, ok := strings.CutPrefix(first, "serving the report at ")
	if !ok {
		t.Fatalf("first line %q", first)
	}
	url, _, _ := strings.Cut(addr, " ")
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "nightly-digest") {
		t.Errorf("GET %s: %d, page without the task (%d bytes)", url, resp.StatusCode, len(page))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ccq report --serve after SIGTERM: %v (stderr %q)", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ccq report --serve did not end on SIGTERM")
	}
	if c, err := http.Get(url); err == nil {
		c.Body.Close()
		t.Errorf("the page is still served after ccq ended")
	}
}
