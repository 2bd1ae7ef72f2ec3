package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/ccq-dev/ccq/sinks/helper"
	"github.com/ccq-dev/ccq/verify"
)

// schemaTimeout bounds one compile or validation by the helper.
const schemaTimeout = 30 * time.Second

// useHelperSchemas makes a task's output_schema compile and validate in
// ccq-helper: the validator library's start-up cost stays out of every
// ccq command, and only a task with output_schema starts the helper.
func useHelperSchemas(a *appEnv) {
	verify.UseCompiler(func(path string, doc []byte) (verify.Schema, error) {
		bin, err := findHelper(a, "output_schema")
		if err != nil {
			return nil, err
		}
		s := helperSchema{bin: bin, path: path, doc: doc}
		rep, err := s.ask(nil)
		if err != nil {
			return nil, err
		}
		if rep.Error != "" {
			return nil, errors.New(rep.Error)
		}
		return s, nil
	})
}

// helperSchema is a schema ccq-helper compiled once (to check it) and
// compiles again for each validation: one process per run.
type helperSchema struct {
	bin, path string
	doc       []byte
}

func (s helperSchema) Validate(out json.RawMessage) (why, details string) {
	rep, err := s.ask(out)
	switch {
	case err != nil:
		return "could not be checked: " + err.Error(), ""
	case rep.Error != "":
		return "could not be checked: " + rep.Error, ""
	}
	return rep.Why, rep.Details
}

// ask sends one request to `ccq-helper schema`.
func (s helperSchema) ask(out json.RawMessage) (verify.SchemaReply, error) {
	var rep verify.SchemaReply
	req, err := json.Marshal(verify.SchemaRequest{Path: s.path, Schema: s.doc, Output: out})
	if err != nil {
		return rep, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), schemaTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, "schema")
	cmd.Env = []string{} // it needs nothing of ccq's environment
	cmd.Stdin = bytes.NewReader(req)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return rep, fmt.Errorf("%s schema: %v: %s", helper.Name, err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return rep, fmt.Errorf("%s schema: %v", helper.Name, err)
	}
	return rep, nil
}
