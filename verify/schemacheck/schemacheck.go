// Package schemacheck compiles and applies a task's output_schema with
// santhosh-tekuri/jsonschema. Only ccq-helper (and tests) link it: the
// library's package initialisation costs about 9 ms and 1.7 MB at every
// start of a program that links it, which ccq does not pay.
package schemacheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ccq-dev/ccq/verify"
)

// Compile compiles the JSON Schema document doc, read from path. A $ref
// outside the document fails to compile instead of fetching anything.
func Compile(path string, doc []byte) (verify.Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(refusingLoader{})
	url := "file://" + filepath.ToSlash(path)
	if err := c.AddResource(url, v); err != nil {
		return nil, err
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON Schema: %v", verify.OneLine(err.Error()))
	}
	return schema{sch}, nil
}

type schema struct{ s *jsonschema.Schema }

func (s schema) Validate(out json.RawMessage) (why, details string) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber() // the validator wants json.Number, not float64
	if err := dec.Decode(&v); err != nil {
		return "structured output is not JSON: " + err.Error(), ""
	}
	if err := s.s.Validate(v); err != nil {
		return "does not match the schema", errorLines(err)
	}
	return "", ""
}

// errorLines lists the leaf validation errors, one per line.
func errorLines(err error) string {
	// The library's message starts with a line naming the schema file:
	// keep the lines that say what is wrong.
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
		if l == "" || strings.HasPrefix(l, "jsonschema validation failed") {
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

type refusingLoader struct{}

func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: schemas are not loaded from elsewhere", url)
}
