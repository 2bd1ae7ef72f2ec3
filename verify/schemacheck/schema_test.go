package schemacheck_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/verify"
	"github.com/ccq-dev/ccq/verify/schemacheck"
)

func init() { verify.UseCompiler(schemacheck.Compile) }

func writeSchema(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "out.schema.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSchema(t *testing.T) {
	dir := writeSchema(t, `{
  "type": "object",
  "properties": {"committed": {"type": "boolean"}, "count": {"type": "integer", "minimum": 1}},
  "required": ["committed", "count"]
}`)
	sch, js, path, err := verify.LoadSchema("out.schema.json", dir)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "out.schema.json") || strings.ContainsAny(js, "\n ") || !gjson.Valid(js) {
		t.Errorf("path %s, compact %q", path, js)
	}
	s := &verify.Spec{Schema: sch, SchemaJSON: js, SchemaPath: path}
	for _, tc := range []struct {
		out    string
		pass   bool
		detail string
	}{
		{`{"committed": true, "count": 3}`, true, ""},
		{`{"committed": true, "count": 0}`, false, "verify: output_schema `" + path + "`: does not match the schema: at '/count': minimum"},
		{`{"count": 2}`, false, "missing property 'committed'"},
		{``, false, "no structured output"},
		{`null`, false, "no structured output"},
	} {
		r := verify.Run(context.Background(), s, verify.Input{Structured: json.RawMessage(tc.out)})
		if r.Passed() != tc.pass || !strings.Contains(r.Detail(), tc.detail) {
			t.Errorf("%s: passed %v, detail %q", tc.out, r.Passed(), r.Detail())
		}
	}
}

func TestLoadSchemaErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"type": "objet"}`, "invalid JSON Schema"},
		{`{"type": `, "not JSON"},
		{`{"$ref": "https://example.com/s.json"}`, "invalid JSON Schema"},
	} {
		dir := writeSchema(t, tc.body)
		if _, _, _, err := verify.LoadSchema("out.schema.json", dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.body, err, tc.want)
		}
	}
	if _, _, _, err := verify.LoadSchema("missing.json", t.TempDir()); err == nil {
		t.Error("missing schema accepted")
	}
}

// TestSchemaOfCapturedRun validates the structured output Claude Code
// 2.1.328 printed for --json-schema (captured against the fake API).
func TestSchemaOfCapturedRun(t *testing.T) {
	dir := writeSchema(t, `{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`)
	sch, _, _, err := verify.LoadSchema("out.schema.json", dir)
	if err != nil {
		t.Fatal(err)
	}
	for file, pass := range map[string]bool{"stream-json-schema.jsonl": true, "stream-json-schema-unmet.jsonl": false} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "claude-code-2.1.328", file))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		res := gjson.Parse(lines[len(lines)-1])
		var raw json.RawMessage
		if so := res.Get("structured_output"); so.Exists() {
			raw = json.RawMessage(so.Raw)
		}
		r := verify.Run(context.Background(), &verify.Spec{Schema: sch}, verify.Input{Structured: raw, Result: res.Get("result").Str})
		if r.Passed() != pass {
			t.Errorf("%s: passed %v: %s", file, r.Passed(), r.Detail())
		}
	}
}
