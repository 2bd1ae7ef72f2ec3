package launch

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The front matter is read from goccy/go-yaml's syntax tree, not decoded
// into a struct: every node keeps its token's line, so each error names
// the line of the offending key or value. (go.yaml.in/yaml/v3 did the same
// with its yaml.Node, but its package initialisation was the most costly
// of ccq's start: two regular expressions and resolve tables.) Scalars are
// resolved by yamlscalar.go with yaml.v3's rules, so a task reads as it did.

// parseFrontMatter decodes the front matter key by key, so that every error
// points at the line of the offending value. off is the number of lines
// above the YAML text in the file.
func parseFrontMatter(t *Task, fm []byte, off int) (err error) {
	bad := func(line int, format string, args ...any) error {
		return &TaskError{Path: t.Path, Line: line + off, Msg: fmt.Sprintf(format, args...)}
	}
	// yaml.v3 skipped a byte order mark and refused bytes that are not
	// UTF-8; goccy would read a BOM into the first key and replace them.
	fm = bytes.TrimPrefix(fm, []byte("\ufeff"))
	if len(bytes.TrimSpace(fm)) == 0 {
		return nil
	}
	if n := invalidUTF8(fm); n >= 0 {
		return bad(1+bytes.Count(fm[:n], []byte{'\n'}), "front matter: not valid UTF-8")
	}
	// A parser bug met on a hostile file is that file's error, not a
	// crash of ccq tasks listing every file.
	defer func() {
		if r := recover(); r != nil {
			err = bad(0, "front matter: cannot be read as YAML (%v)", r)
		}
	}()
	// Keys given twice are reported below, with the line of the second.
	f, err := parser.ParseBytes(fm, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		line, msg := yamlSyntaxError(err)
		return bad(line, "front matter: %s", msg)
	}
	body, err := frontMatterBody(f)
	if err != nil || body == nil {
		var ne *nodeError
		if errors.As(err, &ne) {
			return bad(ne.line, "front matter: %s", ne.msg)
		}
		return err
	}
	pairs, ok := mappingPairs(body)
	if !ok {
		return bad(nodeLine(body, 0), "front matter must be a mapping of keys to values")
	}
	seen := map[string]bool{}
	for _, kv := range pairs {
		key, kline := keyText(kv.Key), nodeLine(kv.Key, 0)
		vline := valueLine(kv, kline)
		if seen[key] {
			return bad(kline, "key %q given twice", key)
		}
		seen[key] = true
		if t.KeyLine == nil {
			t.KeyLine = map[string]int{}
		}
		t.KeyLine[key] = vline + off
		known, err := setKey(t, key, kv.Value)
		if !known {
			return bad(kline, "unknown front matter key %q (known: %s)", key, strings.Join(frontMatterKeys, ", "))
		}
		if err != nil {
			var ne *nodeError
			if errors.As(err, &ne) {
				return bad(ne.line, "%s: %s", key, ne.msg)
			}
			return bad(vline, "%s: %v", key, err)
		}
	}
	return nil
}

// invalidUTF8 is the offset of the first byte that is not UTF-8, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// nodeError is a problem with one node below a key's value, such as an
// item of a list: line is the node's own line in the YAML text.
type nodeError struct {
	line int
	msg  string
}

func (e *nodeError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// frontMatterBody is the one document's top node; nil for a front matter
// of comments only. yaml.v3 read the first document and dropped the rest
// unseen; a second one (a "--- x" or "..." line) is refused rather than
// its keys silently ignored.
func frontMatterBody(f *ast.File) (ast.Node, error) {
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			line := nodeLine(doc.Body, 0)
			if doc.Start != nil && doc.Start.Position != nil {
				line = doc.Start.Position.Line
			}
			return nil, &nodeError{line: line, msg: "a second YAML document starts here (a --- or ... line inside the front matter)"}
		}
		body = doc.Body
	}
	return body, nil
}

// mappingPairs are the key-value pairs of a mapping (through an anchor or
// tag on it); ok is false for anything else.
func mappingPairs(n ast.Node) (pairs []*ast.MappingValueNode, ok bool) {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

// unwrap looks through anchors and tags, which yaml.v3 kept as properties
// of the node they mark.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// keyText is a key as yaml.v3 spelled it: a scalar's text, "" for a
// collection used as a key.
func keyText(n ast.Node) string {
	if k, ok := n.(*ast.MappingKeyNode); ok {
		n = k.Value
	}
	if m, ok := n.(*ast.MergeKeyNode); ok {
		return m.Token.Value
	}
	if s, ok := scalarOf(n); ok {
		return s.text
	}
	return ""
}

// nodeLine is the line a node starts on in the YAML text, or def when it
// has none (a key with no value).
func nodeLine(n ast.Node, def int) int {
	if n == nil {
		return def
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
		return tk.Position.Line
	}
	return def
}

// valueLine is the line a key's value starts on. goccy/go-yaml v1.19.2
// places a plain value that runs over several lines, one of them starting
// "- ", on its last line; it starts on the colon's line or as many lines
// below it as there are line breaks before its first character.
func valueLine(kv *ast.MappingValueNode, def int) int {
	line := nodeLine(kv.Value, def)
	s, ok := kv.Value.(*ast.StringNode)
	if !ok || kv.Start == nil || kv.Start.Position == nil {
		return line
	}
	origin := s.Token.Origin
	text := strings.TrimLeft(origin, " \t\r\n")
	if !strings.Contains(strings.TrimSpace(text), "\n") {
		return line
	}
	start := kv.Start.Position.Line + strings.Count(origin[:len(origin)-len(text)], "\n")
	return min(line, start)
}

// yamlSyntaxError splits a parser error into its line and message.
func yamlSyntaxError(err error) (int, string) {
	var se interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &se) {
		line := 0
		if tk := se.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		return line, se.GetMessage()
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return 0, msg
}

// decodeDuration reads a positive Go duration; name is for the message.
func decodeDuration(v ast.Node, name string) (time.Duration, error) {
	var str string
	if err := decodeScalar(v, &str); err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(str)
	if err == nil && d <= 0 {
		err = errors.New("must be positive")
	}
	if err != nil {
		return 0, fmt.Errorf("%s %q: want a Go duration such as 90s or 30m (%v)", name, str, err)
	}
	return d, nil
}

// decodeList accepts a YAML list or one string (a single item, or for tools
// a comma-separated list as Claude Code's own flag takes). Items are taken
// as written, as yaml.v3 gave them: `[1, true, ~]` is "1", "true", "~".
func decodeList(v ast.Node) ([]string, error) {
	if s, ok := scalarOf(v); ok {
		if s.text == "" {
			return nil, nil
		}
		return []string{s.text}, nil
	}
	seq, ok := unwrap(v).(*ast.SequenceNode)
	if !ok {
		return nil, errors.New("want a list of values")
	}
	out := make([]string, 0, len(seq.Values))
	for _, it := range seq.Values {
		s, ok := scalarOf(it)
		if !ok {
			return nil, &nodeError{line: nodeLine(it, nodeLine(seq, 0)), msg: "list items must be plain values"}
		}
		out = append(out, s.text)
	}
	return out, nil
}
