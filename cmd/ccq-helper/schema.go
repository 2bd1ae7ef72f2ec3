package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ccq-dev/ccq/verify"
	"github.com/ccq-dev/ccq/verify/schemacheck"
)

// maxSchemaRequest bounds the request: a schema of at most 64 KiB and a
// structured output of a few MB.
const maxSchemaRequest = 16 << 20

// schemaCmd is `ccq-helper schema`: compile a task's output_schema and,
// when the request carries one, validate a run's structured output
// against it (verify.SchemaRequest in, verify.SchemaReply out).
func schemaCmd(stdin io.Reader, stdout io.Writer) error {
	b, err := io.ReadAll(io.LimitReader(stdin, maxSchemaRequest+1))
	if err != nil {
		return err
	}
	if len(b) > maxSchemaRequest {
		return usage("schema: request over %d bytes", maxSchemaRequest)
	}
	var req verify.SchemaRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return usage("schema: request: %v", err)
	}
	var rep verify.SchemaReply
	sch, err := schemacheck.Compile(req.Path, req.Schema)
	switch {
	case err != nil:
		rep.Error = err.Error()
	case req.Output != nil:
		rep.Why, rep.Details = sch.Validate(req.Output)
	}
	out, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
