package otlp

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/launch"
)

// TestWarningRedacted: a Collector that is down becomes a warning that
// names the sink ("otlp", not its Go type) and never the token in the
// endpoint's path or the exporter's headers.
func TestWarningRedacted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const token, header = "tok-7f3a9c1e5b", "hdr-2b8e4d6a0c"
	endpoint := "http://" + l.Addr().String() + "/ingest/" + token
	l.Close() // a dead port
	env := map[string]string{EnvEndpoint: endpoint, EnvHeaders: "x-api-key=" + header, EnvFlushTimeout: "1s"}
	s, err := New(context.Background(), env, "test")
	if err != nil || s == nil {
		t.Fatalf("New: %v, %v", s, err)
	}
	defer s.Shutdown(context.Background())
	claude, err := filepath.Abs(filepath.Join("..", "..", "launch", "testdata", "true.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := launch.Run(context.Background(), launch.Options{
		Task:   &launch.Task{Name: "job", Path: filepath.Join(dir, "job.md"), Prompt: "Do the job."},
		Claude: claude, Env: map[string]string{"PATH": os.Getenv("PATH"), "HOME": dir},
		Cwd: dir, LogsDir: filepath.Join(dir, "logs"), Grace: time.Second,
		Sinks: []launch.Sink{s},
	})
	if err != nil {
		t.Fatal(err)
	}
	warnings := strings.Join(out.Warnings, "\n")
	if !strings.Contains(warnings, "sink otlp: finished: otlp export") || strings.Contains(warnings, "*otlp.Sink") {
		t.Errorf("warnings do not name the sink:\n%s", warnings)
	}
	if strings.Contains(warnings, token) || strings.Contains(warnings, header) {
		t.Errorf("warnings show a secret:\n%s", warnings)
	}
	if !strings.Contains(warnings, "logs:") {
		t.Errorf("warnings lost which signal failed:\n%s", warnings)
	}
	t.Logf("%s", warnings)
}
