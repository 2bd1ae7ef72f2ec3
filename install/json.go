package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// The settings file is edited as text, not re-encoded: gjson gives every
// value's span (Result.Index is its byte offset in the document, Result.Raw
// its text), and changes are byte splices at those offsets. Everything ccq
// does not touch (key order, spacing, escapes, number spelling, duplicate
// keys) stays exactly as the user wrote it, and an uninstall removes exactly
// the bytes the install added.
//
// gjson does not validate, so encoding/json checks the text first; its
// SyntaxError.Offset gives the line and column of a mistake.

type kind uint8

const (
	kObject kind = iota
	kArray
	kString
	kNumber
	kLiteral // true, false, null
)

func (k kind) String() string {
	return [...]string{"an object", "a list", "a string", "a number", "a literal"}[k]
}

// node is one JSON value and where it sits in the text: data[start:end].
type node struct {
	kind       kind
	start, end int
	str        string   // kString, decoded
	members    []member // kObject, in file order (duplicates kept)
	elems      []*node  // kArray
}

// member is one "key": value pair of an object.
type member struct {
	key              string
	keyStart, keyEnd int
	val              *node
}

// get returns the value of key, or nil. With duplicate keys the last one
// wins, as in JavaScript's JSON.parse, which is how Claude Code reads it.
// gjson.Get returns the first, so lookups never go through it
// (TestGjsonDuplicateKeys and the golden duplicate-event-keys show why).
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return n.members[i].val
		}
	}
	return nil
}

// text is the decoded value of a string node.
func (n *node) text() (string, bool) {
	if n == nil || n.kind != kString {
		return "", false
	}
	return n.str, true
}

// FormatError is malformed settings: invalid JSON, or a value of the wrong
// type, at a line and column of a file.
type FormatError struct {
	File      string
	Line, Col int // 1-based; the column counts characters
	Msg       string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Is makes every FormatError match ErrMalformed.
func (e *FormatError) Is(target error) bool { return target == ErrMalformed }

// errAt builds a FormatError for offset off of data.
func errAt(file string, data []byte, off int, format string, args ...any) *FormatError {
	line, col := lineCol(data, off)
	return &FormatError{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// lineCol turns a byte offset into a 1-based line and column, the column
// counted in characters.
func lineCol(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, utf8.RuneCount(data[lineStart:off]) + 1
}

const jsonSpace = " \t\r\n"

// parseJSON parses one JSON document strictly (RFC 8259, as encoding/json).
// Empty or whitespace-only input gives a nil node and no error.
func parseJSON(file string, data []byte) (*node, error) {
	trimmed := bytes.Trim(data, jsonSpace)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if err := syntaxCheck(file, data); err != nil {
		return nil, err
	}
	root := build(gjson.ParseBytes(data))
	// gjson's root object or list runs to the end of the input, trailing
	// space included.
	root.end = len(bytes.TrimRight(data, jsonSpace))
	return root, nil
}

// build turns a gjson value into a node; offsets are absolute because every
// Result comes from ForEach over the whole document.
func build(r gjson.Result) *node {
	n := &node{start: r.Index, end: r.Index + len(r.Raw)}
	switch {
	case r.IsObject():
		n.kind = kObject
		r.ForEach(func(k, v gjson.Result) bool {
			n.members = append(n.members, member{key: jsString(k), keyStart: k.Index, keyEnd: k.Index + len(k.Raw), val: build(v)})
			return true
		})
	case r.IsArray():
		n.kind = kArray
		r.ForEach(func(_, v gjson.Result) bool {
			n.elems = append(n.elems, build(v))
			return true
		})
	case r.Type == gjson.String:
		n.kind, n.str = kString, jsString(r)
	case r.Type == gjson.Number:
		n.kind = kNumber
	default:
		n.kind = kLiteral
	}
	return n
}

// jsString is a string's value as JavaScript (and encoding/json) reads it.
// gjson keeps invalid UTF-8 as it is, where they read U+FFFD, so a string
// with escapes or non-ASCII bytes is decoded by encoding/json.
func jsString(r gjson.Result) string {
	for i := 0; i < len(r.Raw); i++ {
		if c := r.Raw[i]; c == '\\' || c >= utf8.RuneSelf {
			var s string
			if json.Unmarshal([]byte(r.Raw), &s) == nil {
				return s
			}
			break
		}
	}
	return r.Str
}

// syntaxCheck validates data with encoding/json and rewords its error with
// the file, line and column, in the words of the rest of ccq-hook.
func syntaxCheck(file string, data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var se *json.SyntaxError
	if err := json.Unmarshal(data, new(struct{})); !errors.As(err, &se) {
		return errAt(file, data, 0, "invalid JSON: %v", err)
	}
	off := int(se.Offset) - 1 // the offending byte; Offset counts it
	ctx := se.Error()
	if off >= len(data) || ctx == "unexpected end of JSON input" {
		// encoding/json does not say what was missing: ask it again with a
		// byte that is wrong in every place, and keep its context.
		off = len(data)
		var probe *json.SyntaxError
		if errors.As(json.Unmarshal(append(data[:len(data):len(data)], 0), new(struct{})), &probe) {
			ctx = probe.Error()
		}
	}
	return errAt(file, data, off, "%s", describe(data, off, ctx))
}

// contexts maps the end of encoding/json's messages ("invalid character 'x'
// looking for beginning of value") to ccq-hook's; longer suffixes first.
var contexts = []struct{ suffix, msg string }{
	{"looking for beginning of object key string", "unexpected %s, expecting a key in double quotes"},
	{"looking for beginning of value", "unexpected %s, expecting a value"},
	{"after top-level value", "unexpected %s after the end of the JSON value"},
	{"after object key:value pair", "unexpected %s, expecting ',' or '}'"},
	{"after object key", "unexpected %s, expecting ':' after key"},
	{"after array element", "unexpected %s, expecting ',' or ']'"},
	{`in \u hexadecimal character escape`, `unexpected %s in a \u escape`},
	{"after decimal point in numeric literal", "unexpected %s after the decimal point"},
	{"in exponent of numeric literal", "unexpected %s in an exponent"},
	{"in numeric literal", "unexpected %s in a number"},
	{"exceeded max depth", "nested too deeply"},
}

// describe words the syntax error ctx found at offset off of data.
func describe(data []byte, off int, ctx string) string {
	what := "end of file"
	if off < len(data) {
		r, _ := utf8.DecodeRune(data[off:])
		what = fmt.Sprintf("character %q", r)
	}
	switch {
	case strings.HasSuffix(ctx, "in string literal") || strings.HasSuffix(ctx, "in string escape code"):
		if off == len(data) {
			return "unexpected end of file in a string"
		}
		if strings.HasSuffix(ctx, "in string literal") {
			return fmt.Sprintf("control character %q in a string", data[off])
		}
		return fmt.Sprintf("invalid escape '\\%c' in a string", data[off])
	case strings.Contains(ctx, "in literal "):
		word, _, _ := strings.Cut(ctx[strings.Index(ctx, "in literal ")+len("in literal "):], " ")
		return fmt.Sprintf("unexpected %s, expecting %q", what, word)
	}
	for _, c := range contexts {
		if strings.HasSuffix(ctx, c.suffix) {
			if strings.Contains(c.msg, "%s") {
				return fmt.Sprintf(c.msg, what)
			}
			return c.msg
		}
	}
	return fmt.Sprintf("unexpected %s: %s", what, ctx)
}
