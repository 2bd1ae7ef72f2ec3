package launch

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

func TestParseVerifyKeys(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s.json"), `{"type":"object","required":["a"]}`, 0o644)
	path := filepath.Join(dir, "job.md")
	task, err := ParseTask(path, []byte("---\nverify:\n  - make test\n  - git diff --quiet\nverify_timeout: 2m\nexpect: 'done'\nexpect_not: '(?i)error'\noutput_schema: s.json\nfeedback: 3\n---\nDo it.\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := task.Settings.Verify
	if len(v.Commands) != 2 || v.Timeout != 2*time.Minute || v.Expect.String() != "done" || v.ExpectNot.String() != "(?i)error" ||
		v.SchemaJSON != `{"type":"object","required":["a"]}` || v.SchemaPath != filepath.Join(dir, "s.json") || task.Settings.Feedback != 3 {
		t.Errorf("spec %+v, feedback %d", v, task.Settings.Feedback)
	}
	argv := schemaArgs(claudeArgs(task.Prompt, task.Settings, nil), task.Settings)
	if n := len(argv); argv[n-2] != "--json-schema" || argv[n-1] != v.SchemaJSON {
		t.Errorf("argv %q", argv)
	}
}

func TestParseVerifyErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.json"), `{"type":"objet"}`, 0o644)
	for _, tc := range []struct{ fm, want string }{
		{"description: x\nexpect: '(unclosed'\n", ":3: expect: invalid regular expression: missing closing )"},
		{"expect_not: '[z-a]'\n", ":2: expect_not: invalid regular expression: invalid character class range"},
		{"output_schema: bad.json\n", ":2: output_schema: schema " + filepath.Join(dir, "bad.json") + ": invalid JSON Schema"},
		{"output_schema: none.json\n", ":2: output_schema: schema " + filepath.Join(dir, "none.json")},
		{"verify_timeout: soon\n", ":2: verify_timeout: verify_timeout \"soon\""},
		{"verify: []\n", ":2: verify: want one or more shell commands"},
		{"feedback: 500\n", ":2: feedback: feedback 500: want 0 to 50 past runs"},
		{"retry_on: verfy\n", "is not one of transient, timeout, idle, verify"},
	} {
		path := filepath.Join(dir, "job.md")
		_, err := ParseTask(path, []byte("---\n"+tc.fm+"---\nDo it.\n"))
		if err == nil || !strings.Contains(err.Error(), path+tc.want) && !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), path+":") {
			t.Errorf("%q: err %v, want %q", tc.fm, err, tc.want)
		}
	}
}

// lineOnly is an entry without its extras, to compare an entry a sink got
// with the one read back from the history, whose reader does not keep
// extras (and the fingerprint is on every line).
func lineOnly(e recorder.Entry) recorder.Entry {
	e.Extra = nil
	return e
}
