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
	Schema     Schema
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

// Schema validates a run's structured output against a task's
// output_schema.
type Schema interface {
	// Validate says why out does not match the schema ("" when it does),
	// with the validator's details, one per line.
	Validate(out json.RawMessage) (why, details string)
}

// Compiler compiles the JSON Schema document doc, read from path, or says
// why it is no valid schema.
type Compiler func(path string, doc []byte) (Schema, error)

var compiler Compiler

// UseCompiler sets how output schemas are compiled. The validator library
// costs every process that links it milliseconds of start-up, so ccq hands
// schemas to ccq-helper; the helper and tests compile in process
// (package schemacheck).
func UseCompiler(c Compiler) { compiler = c }

// LoadSchema reads and compiles the JSON Schema at path (relative paths
// against dir, the task file's folder). It returns the schema and its
// compact JSON for claude's --json-schema.
func LoadSchema(path, dir string) (Schema, string, string, error) {
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
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return nil, "", path, fmt.Errorf("schema %s: not JSON: %v", path, err)
	}
	if compiler == nil {
		return nil, "", path, fmt.Errorf("schema %s: no JSON Schema validator in this program", path)
	}
	sch, err := compiler(path, data)
	if err != nil {
		return nil, "", path, fmt.Errorf("schema %s: %w", path, err)
	}
	return sch, buf.String(), path, nil
}

// OneLine keeps the first line of s, marking what it leaves out.
func OneLine(s string) string { return oneLine(s) }

// oneLine keeps the first line of s.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}
