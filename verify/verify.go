// Package verify checks that a run did its task, not only that Claude Code
// exited 0: the task's own shell commands, a pattern the final result must
// (or must not) match, and a JSON Schema for its structured output. The
// launcher runs the checks after a successful exit and records a failed one
// as the run's failure.
package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ccq-dev/ccq/internal/regfile"
)

// DefaultTimeout bounds one verify command when the task sets none.
const DefaultTimeout = 60 * time.Second

// DefaultGrace is how long a timed-out command's process group has between
// SIGTERM and SIGKILL.
const DefaultGrace = 2 * time.Second

// maxSchemaFile bounds a schema file: it becomes one argument of claude.
const maxSchemaFile = 64 << 10

// Spec is what a task asks to be checked. The zero value checks nothing.
type Spec struct {
	Commands  []string       // verify: shell commands, run with sh -c
	Timeout   time.Duration  // verify_timeout: bound of each command
	Expect    *regexp.Regexp // expect: the result must match
	ExpectNot *regexp.Regexp // expect_not: the result must not match
	// Schema validates the structured output; SchemaJSON is the schema as
	// passed to claude --json-schema (compact), SchemaPath its file.
	Schema     *jsonschema.Schema
	SchemaJSON string
	SchemaPath string
}

// Empty reports whether the spec checks nothing.
func (s *Spec) Empty() bool {
	return s == nil || len(s.Commands) == 0 && s.Expect == nil && s.ExpectNot == nil && s.Schema == nil
}

// CompileRegexp compiles an expect pattern (Go RE2 syntax). A pattern that
// matches the empty string everywhere ("" or ".*") checks nothing and is
// refused, since it is almost surely a mistake.
func CompileRegexp(pattern string) (*regexp.Regexp, error) {
	if strings.TrimSpace(pattern) == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

// LoadSchema reads and compiles the JSON Schema at path (relative paths
// against dir, the task file's folder). It returns the schema and its
// compact JSON for claude's --json-schema.
func LoadSchema(path, dir string) (*jsonschema.Schema, string, string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	f, err := regfile.Open(path)
	if err != nil {
		return nil, "", path, fmt.Errorf("schema %s: %w", path, errors.Unwrap(err))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSchemaFile+1))
	f.Close()
	if err != nil {
		return nil, "", path, fmt.Errorf("schema %s: %w", path, err)
	}
	if len(data) > maxSchemaFile {
		return nil, "", path, fmt.Errorf("schema %s: more than %d bytes", path, maxSchemaFile)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, "", path, fmt.Errorf("schema %s: not JSON: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	// No network and no file outside the schema itself: a $ref elsewhere
	// fails to compile instead of fetching.
	c.UseLoader(refusingLoader{})
	url := "file://" + filepath.ToSlash(path)
	if err := c.AddResource(url, doc); err != nil {
		return nil, "", path, fmt.Errorf("schema %s: %v", path, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, "", path, fmt.Errorf("schema %s: invalid JSON Schema: %v", path, oneLine(err.Error()))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return nil, "", path, fmt.Errorf("schema %s: %v", path, err)
	}
	return sch, buf.String(), path, nil
}

type refusingLoader struct{}

func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: schemas are not loaded from elsewhere", url)
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}
