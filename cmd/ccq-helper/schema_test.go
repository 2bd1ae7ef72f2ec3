package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/verify"
)

// TestSchemaCommand: `ccq-helper schema` compiles a schema, says why one
// does not compile, and validates a structured output against it.
func TestSchemaCommand(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer","minimum":1}},"required":["n"]}`)
	tests := []struct {
		req               verify.SchemaRequest
		err, why, details string
	}{
		{req: verify.SchemaRequest{Path: "/t/s.json", Schema: schema}},
		{req: verify.SchemaRequest{Path: "/t/s.json", Schema: json.RawMessage(`{"type":"objet"}`)}, err: "invalid JSON Schema"},
		{req: verify.SchemaRequest{Path: "/t/s.json", Schema: json.RawMessage(`{"$ref":"https://example.com/x.json"}`)}, err: "invalid JSON Schema"},
		{req: verify.SchemaRequest{Path: "/t/s.json", Schema: schema, Output: json.RawMessage(`{"n":3}`)}},
		{req: verify.SchemaRequest{Path: "/t/s.json", Schema: schema, Output: json.RawMessage(`{"n":0}`)}, why: "does not match the schema", details: "minimum"},
		{req: verify.SchemaRequest{Path: "/t/s.json", Schema: schema, Output: json.RawMessage(`{}`)}, why: "does not match the schema", details: "missing property 'n'"},
	}
	for _, tt := range tests {
		in, _ := json.Marshal(tt.req)
		var stdout, stderr bytes.Buffer
		if code := run([]string{"schema"}, bytes.NewReader(in), &stdout, &stderr, nil); code != exitOK {
			t.Fatalf("%s: exit %d: %s", in, code, stderr.String())
		}
		var rep verify.SchemaReply
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("%s: reply %q: %v", in, stdout.String(), err)
		}
		if !strings.Contains(rep.Error, tt.err) || (tt.err == "") != (rep.Error == "") ||
			rep.Why != tt.why || !strings.Contains(rep.Details, tt.details) {
			t.Errorf("%s: reply %+v", in, rep)
		}
	}
	var stderr bytes.Buffer
	if code := run([]string{"schema"}, strings.NewReader("not json"), &bytes.Buffer{}, &stderr, nil); code != exitUsage {
		t.Errorf("bad request: exit %d, %s", code, stderr.String())
	}
}
