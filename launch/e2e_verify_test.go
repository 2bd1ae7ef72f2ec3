package launch

// End-to-end: a task's checks after the real Claude Code 2.1.328 exits 0
// against the fake API (verify.go).

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// lastLine is the history's last line, raw, for its extras.
func (r *e2eRun) lastLine() gjson.Result {
	r.t.Helper()
	b, err := os.ReadFile(recorder.HistoryPath(r.logs))
	if err != nil {
		r.t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return gjson.ParseBytes(lines[len(lines)-1])
}

func (r *e2eRun) task(frontMatter string) {
	writeFile(r.t, filepath.Join(r.proj, "tasks", "job.md"), "---\n"+frontMatter+"---\nSay hi, then stop.\n", 0o644)
}

func answer(text string) fakeapi.Script {
	return func(int, []byte) fakeapi.Reply { return fakeapi.Reply{Kind: fakeapi.Text, Text: text} }
}

// TestE2EVerifyExpectFails: claude answers and exits 0, but the answer
// fails expect: the line is a failure saying which check, with
// client_success, and ccq exits 1.
func TestE2EVerifyExpectFails(t *testing.T) {
	r := newE2E(t, answer("I could not find the file."), false)
	r.task("expect: '(?i)committed [0-9a-f]{7}'\nverify: [\"touch must-not-run\"]\nretries: 2\n")
	e, code, stderr := r.launch(nil)
	if e.Success || e.ErrorType != recorder.ErrExit || !strings.HasPrefix(e.ErrorDetail, "verify: expect `(?i)committed [0-9a-f]{7}`: the result does not match: I could not find the file.") {
		t.Errorf("entry %+v", e)
	}
	if code != 1 {
		t.Errorf("exit %d, want 1 (stderr %s)", code, stderr)
	}
	line := r.lastLine()
	if !line.Get("client_success").Bool() || line.Get("verified").Bool() || !line.Get("verified").Exists() {
		t.Errorf("extras of %s", line.Raw)
	}
	if r.srv.Requests() != 1 {
		t.Errorf("%d requests: a verification failure was retried without retry_on: verify", r.srv.Requests())
	}
	if _, err := os.Stat(filepath.Join(r.proj, "must-not-run")); err == nil {
		t.Error("a command ran after a failed check")
	}
	log, _ := os.ReadFile(e.LogFile)
	if !strings.Contains(string(log), "## Verification: failed\n\n- expect ` (?i)committed [0-9a-f]{7} ` — **failed**: the result does not match") {
		t.Errorf("session log:\n%s", log)
	}
}

// TestE2EVerifyRetryOn: retry_on: verify retries a failed check.
func TestE2EVerifyRetryOn(t *testing.T) {
	r := newE2E(t, func(n int, _ []byte) fakeapi.Reply {
		if n == 1 {
			return fakeapi.Reply{Kind: fakeapi.Text, Text: "Not yet."}
		}
		return fakeapi.Reply{Kind: fakeapi.Text, Text: "Committed 1a2b3c4."}
	}, false)
	r.task("expect: 'Committed'\nretries: 1\nretry_on: verify\nretry_delay: 10ms\n")
	out, err := r.command("job", "--", "--dangerously-skip-permissions").Output()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	first, last := gjson.Parse(lines[0]), gjson.Parse(lines[len(lines)-1])
	if code := exitCode(err); code != 0 || len(lines) != 2 || r.srv.Requests() != 2 {
		t.Fatalf("exit %d, %d requests, printed %s", code, r.srv.Requests(), out)
	}
	if !first.Get("client_success").Bool() || !last.Get("success").Bool() || last.Get("retry_of").Str != first.Get("run_id").Str {
		t.Errorf("lines:\n%s", out)
	}
}

// TestE2EVerifyPasses: every check passes; the commands ran in the run's
// directory with its CCQ_* variables and the result on stdin.
func TestE2EVerifyPasses(t *testing.T) {
	r := newE2E(t, answer("Done. Committed 1a2b3c4."), false)
	r.task("expect: 'Committed [0-9a-f]{7}'\nexpect_not: '(?i)could not'\nverify:\n  - grep -q 1a2b3c4\n  - echo \"$CCQ_RUN_ID $CCQ_TASK_ID\" > verified.txt\nverify_timeout: 30s\n")
	e, code, _ := r.launch(nil)
	if !e.Success || code != 0 || e.ErrorDetail != "" {
		t.Fatalf("exit %d, entry %+v", code, e)
	}
	if line := r.lastLine(); !line.Get("verified").Bool() || line.Get("client_success").Exists() {
		t.Errorf("extras of %s", line.Raw)
	}
	b, err := os.ReadFile(filepath.Join(r.proj, "verified.txt"))
	if err != nil || strings.TrimSpace(string(b)) != e.RunID+" job" {
		t.Errorf("verified.txt %q %v", b, err)
	}
	log, _ := os.ReadFile(e.LogFile)
	if !strings.Contains(string(log), "## Verification: passed") || !strings.Contains(string(log), "- verify[2] ") {
		t.Errorf("session log:\n%s", log)
	}
}

// TestE2EOutputSchema: the schema reaches the model as the StructuredOutput
// tool; a valid structured output passes; when the model never gives one
// that fits, claude still exits 0 and ccq records the failure.
func TestE2EOutputSchema(t *testing.T) {
	schema := `{"type":"object","properties":{"commit":{"type":"string","pattern":"^[0-9a-f]{7}$"}},"required":["commit"]}`
	for _, tc := range []struct {
		name   string
		input  map[string]any
		pass   bool
		detail string
	}{
		{"valid", map[string]any{"commit": "1a2b3c4"}, true, ""},
		{"unmet", map[string]any{"sha": 3}, false, "verify: output_schema `"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newE2E(t, func(n int, _ []byte) fakeapi.Reply {
				if n == 1 {
					return fakeapi.Reply{Kind: fakeapi.ToolUse, Text: "Here.", Tool: "StructuredOutput", Input: tc.input}
				}
				return fakeapi.Reply{Kind: fakeapi.Text, Text: "Done."}
			}, false)
			writeFile(t, filepath.Join(r.proj, "tasks", "out.schema.json"), schema, 0o644)
			r.task("output_schema: out.schema.json\n")
			e, code, _ := r.launch(nil)
			if e.Success != tc.pass || !strings.HasPrefix(e.ErrorDetail, tc.detail) || (code == 0) != tc.pass {
				t.Errorf("exit %d, entry %+v", code, e)
			}
			if !tc.pass && !strings.Contains(e.ErrorDetail, "no structured output") {
				t.Errorf("detail %q", e.ErrorDetail)
			}
			body := r.srv.Bodies()[0]
			tool := gjson.GetBytes(body, `tools.#(name=="StructuredOutput").input_schema.properties.commit.pattern`)
			if tool.Str != "^[0-9a-f]{7}$" {
				t.Errorf("the request did not carry the schema as the StructuredOutput tool: %.300s", body)
			}
		})
	}
}

// TestE2EFeedback: with feedback, the next run's prompt carries the digest
// of the failed runs before it (and the session log shows it as sent);
// the failed runs kept the end of their answer.
func TestE2EFeedback(t *testing.T) {
	r := newE2E(t, answer("I could not find the file report.csv, token=abcdef0123456789."), false)
	r.task("expect: 'Committed'\nfeedback: 3\n")
	for range 2 {
		if e, _, _ := r.launch(nil); e.Success {
			t.Fatalf("entry %+v", e)
		}
	}
	if tail := r.lastLine().Get("result_tail").Str; tail != "I could not find the file report.csv, token=REDACTED" {
		t.Errorf("result_tail %q", tail)
	}
	e, _, _ := r.launch(nil)
	bodies := r.srv.Bodies()
	prompt := gjson.GetBytes(bodies[len(bodies)-1], `messages.0.content`).Raw
	for _, want := range []string{"Say hi, then stop.", "## Recent runs of this task (from ccq)", "Last 2 runs of job (newest first): 2 failed, 0 succeeded.",
		"claude succeeded but verification failed: verify: expect `Committed`: the result does not match"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("prompt lacks %q: %s", want, prompt)
		}
	}
	if strings.Contains(prompt, "abcdef0123456789") {
		t.Error("a secret reached the prompt")
	}
	log, _ := os.ReadFile(e.LogFile)
	if !strings.Contains(string(log), "Last 2 runs of job (newest first)") {
		t.Errorf("session log lacks the digest:\n%s", log)
	}
	// The prompt part of the fingerprint is the task's, digest aside.
	h := r.lastLine().Get("fp.prompt").Str
	if h == "" {
		t.Fatal("no fingerprint")
	}
	b, _ := os.ReadFile(recorder.HistoryPath(r.logs))
	if n := strings.Count(string(b), `"prompt":"`+h+`"`); n != 3 {
		t.Errorf("prompt hash %s on %d of 3 lines", h, n)
	}
}
