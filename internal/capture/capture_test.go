// Package capture records what the real Claude Code does in situations ccq
// must classify, into the fixtures under testdata/claude-code-2.1.328. It
// runs only when asked:
//
//	CCQ_CAPTURE=1 go test -run TestCapture -v ./internal/capture
//
// The captures are committed; tests read them, never re-capture.
package capture

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
)

type scenario struct {
	name    string
	reply   func(n int) fakeapi.Reply
	retries string // CLAUDE_CODE_MAX_RETRIES
	timeout time.Duration
}

func TestCapture(t *testing.T) {
	if os.Getenv("CCQ_CAPTURE") == "" {
		t.Skip("set CCQ_CAPTURE=1 to re-capture the real client's behaviour into testdata")
	}
	reset := strconv.FormatInt(time.Now().Add(40*time.Second).Unix(), 10)
	limited := map[string]string{
		"retry-after":                            "40",
		"anthropic-ratelimit-unified-status":     "rejected",
		"anthropic-ratelimit-unified-reset":      reset,
		"anthropic-ratelimit-requests-remaining": "0",
		"anthropic-ratelimit-requests-reset":     time.Now().Add(40 * time.Second).UTC().Format(time.RFC3339),
		"x-should-retry":                         "true",
	}
	errorReply := func(status int, h map[string]string) func(int) fakeapi.Reply {
		return func(int) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Error, Status: status, Headers: h} }
	}
	scenarios := []scenario{
		{"429-no-headers", errorReply(429, nil), "0", time.Minute},
		{"429-rate-limit-headers", errorReply(429, limited), "0", time.Minute},
		// With the client's own retries: does it wait for retry-after?
		{"429-retry-after-2s-retries-2", errorReply(429, map[string]string{"retry-after": "2"}), "2", 2 * time.Minute},
		{"429-rate-limit-headers-retries-1", errorReply(429, map[string]string{
			"retry-after": "2", "anthropic-ratelimit-unified-status": "rejected",
			"anthropic-ratelimit-unified-reset": reset, "anthropic-ratelimit-unified-representative-claim": "five_hour",
		}), "1", time.Minute},
		{"529-retries-0", errorReply(529, nil), "0", time.Minute},
		{"500-then-ok-retries-1", func(n int) fakeapi.Reply {
			if n == 1 {
				return fakeapi.Reply{Kind: fakeapi.Error, Status: 500}
			}
			return fakeapi.Reply{Kind: fakeapi.Text}
		}, "1", time.Minute},
	}
	out := filepath.Join(claudetest.RepoRoot(), "testdata", "claude-code-2.1.328", "429")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	claude := claudetest.Claude(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { capture(t, claude, out, sc) })
	}
}

func capture(t *testing.T, claude, out string, sc scenario) {
	srv := fakeapi.Start(t, func(n int, _ []byte) fakeapi.Reply { return sc.reply(n) })
	home := t.TempDir()
	project := filepath.Join(home, "project")
	if err := os.Mkdir(project, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(claude, "-p", "say hi", "--output-format", "stream-json", "--verbose")
	cmd.Dir = project
	cmd.Env = append(claudetest.Env(home, srv.URL), "CLAUDE_CODE_MAX_RETRIES="+sc.retries)
	r := runClaude(t, cmd, sc.timeout)
	t.Logf("%s: exit %d (%v) after %v, %d requests", sc.name, r.code, r.err, r.wall.Round(time.Millisecond), srv.Requests())
	meta := "exit_code " + strconv.Itoa(r.code) + "\nrequests " + strconv.Itoa(srv.Requests()) +
		"\nwall_s " + strconv.FormatFloat(r.wall.Seconds(), 'f', 1, 64) + "\nretries " + sc.retries + "\n"
	save(t, filepath.Join(out, sc.name), r, home, srv.URL, meta)
}

// ran is what one captured run of claude left.
type ran struct {
	stdout, stderr []byte
	code           int
	err            error
	wall           time.Duration
}

// runClaude runs cmd to its end, or kills it after timeout.
func runClaude(t *testing.T, cmd *exec.Cmd, timeout time.Duration) ran {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		err = <-done
	}
	return ran{stdout.Bytes(), stderr.Bytes(), cmd.ProcessState.ExitCode(), err, time.Since(start)}
}

// save writes prefix.{stream.jsonl,stderr.txt,transcript.jsonl,meta.txt}:
// the run's output and the telling lines of the transcripts under home,
// scrubbed of the scratch paths and the fake API's port.
func save(t *testing.T, prefix string, r ran, home, url, meta string) {
	t.Helper()
	write := func(name string, b []byte) {
		if err := os.WriteFile(prefix+"."+name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stream.jsonl", scrub(r.stdout, home, url))
	write("stderr.txt", scrub(r.stderr, home, url))
	transcripts, _ := filepath.Glob(filepath.Join(home, ".claude", "projects", "*", "*.jsonl"))
	var tr []byte
	for _, p := range transcripts {
		b, _ := os.ReadFile(p)
		tr = append(tr, keep(b)...)
	}
	write("transcript.jsonl", scrub(tr, home, url))
	write("meta.txt", []byte(meta))
}

// keep drops the transcript lines that say nothing about errors or usage
// (the system prompt snapshot alone is 80 KB): it keeps assistant lines,
// system lines (api_error), the result and cost-state.
func keep(b []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		for _, want := range []string{`"type":"assistant"`, `"type":"system"`, `"type":"cost-state"`, `"type":"result"`} {
			if bytes.Contains(l, []byte(want)) && !bytes.Contains(l, []byte(`"type":"prompt_snapshot"`)) {
				out = append(out, l...)
				break
			}
		}
	}
	return out
}

// scrub replaces the scratch home and the fake API's port with the
// placeholders the fixtures README documents.
func scrub(b []byte, home, url string) []byte {
	s := strings.ReplaceAll(string(b), home, "/home/user")
	s = strings.ReplaceAll(s, strings.TrimPrefix(url, "http://"), "127.0.0.1:8089")
	return []byte(s)
}
