package install

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// The settings file is edited as text, not re-encoded: the parser below
// records where every value starts and ends, and changes are byte splices at
// those offsets. Everything ccq does not touch (key order, spacing, escapes,
// number spelling, duplicate keys) stays exactly as the user wrote it, and an
// uninstall removes exactly the bytes the install added.

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

// str decodes a string node.
func (n *node) str(data []byte) (string, bool) {
	if n == nil || n.kind != kString {
		return "", false
	}
	var s string
	if err := json.Unmarshal(data[n.start:n.end], &s); err != nil {
		return "", false
	}
	return s, true
}

// maxDepth matches encoding/json's nesting limit, so both accept the same
// documents.
const maxDepth = 10000

// posError is malformed input at a byte offset of a file.
type posError struct {
	file      string
	line, col int
	msg       string
}

func (e *posError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg)
}

// errAt builds a posError for offset off of data.
func errAt(file string, data []byte, off int, format string, args ...any) *posError {
	line, col := lineCol(data, off)
	return &posError{file: file, line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

// lineCol turns a byte offset into a 1-based line and column, the column
// counted in characters.
func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line, lineStart := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return line, utf8.RuneCount(data[lineStart:off]) + 1
}

type parser struct {
	file  string
	data  []byte
	pos   int
	depth int
}

// parseJSON parses one JSON document strictly (RFC 8259, as encoding/json).
// Empty or whitespace-only input gives a nil node and no error.
func parseJSON(file string, data []byte) (*node, error) {
	p := &parser{file: file, data: data}
	p.ws()
	if p.pos == len(data) {
		return nil, nil
	}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos < len(data) {
		return nil, p.errf("unexpected %s after the end of the JSON value", p.what())
	}
	return n, nil
}

func (p *parser) errf(format string, args ...any) error {
	return errAt(p.file, p.data, p.pos, format, args...)
}

// what describes the byte at the current position for an error message.
func (p *parser) what() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return fmt.Sprintf("character %q", r)
}

func (p *parser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (*node, error) {
	if p.pos >= len(p.data) {
		return nil, p.errf("unexpected end of file, expecting a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		start := p.pos
		if err := p.string(); err != nil {
			return nil, err
		}
		return &node{kind: kString, start: start, end: p.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return nil, p.errf("unexpected %s, expecting a value", p.what())
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf("nested too deeply")
	}
	return nil
}

func (p *parser) object() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &node{kind: kObject, start: p.pos}
	p.pos++ // {
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		n.end = p.pos
		return n, nil
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errf("unexpected %s, expecting a key in double quotes", p.what())
		}
		keyStart := p.pos
		if err := p.string(); err != nil {
			return nil, err
		}
		keyEnd := p.pos
		var key string
		_ = json.Unmarshal(p.data[keyStart:keyEnd], &key) // valid: p.string checked it
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errf("unexpected %s, expecting ':' after key", p.what())
		}
		p.pos++
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, keyStart: keyStart, keyEnd: keyEnd, val: v})
		p.ws()
		if p.pos < len(p.data) {
			switch p.data[p.pos] {
			case ',':
				p.pos++
				p.ws()
				continue
			case '}':
				p.pos++
				n.end = p.pos
				return n, nil
			}
		}
		return nil, p.errf("unexpected %s, expecting ',' or '}'", p.what())
	}
}

func (p *parser) array() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &node{kind: kArray, start: p.pos}
	p.pos++ // [
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		n.end = p.pos
		return n, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		p.ws()
		if p.pos < len(p.data) {
			switch p.data[p.pos] {
			case ',':
				p.pos++
				p.ws()
				continue
			case ']':
				p.pos++
				n.end = p.pos
				return n, nil
			}
		}
		return nil, p.errf("unexpected %s, expecting ',' or ']'", p.what())
	}
}

// string scans a string starting at the opening quote.
func (p *parser) string() error {
	p.pos++ // "
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c == '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return p.errf("unexpected end of file in a string")
			}
			switch p.data[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				p.pos++
				for i := 0; i < 4; i++ {
					if p.pos >= len(p.data) || !isHex(p.data[p.pos]) {
						return p.errf("unexpected %s in a \\u escape", p.what())
					}
					p.pos++
				}
			default:
				return p.errf("invalid escape '\\%c' in a string", p.data[p.pos])
			}
		case c < 0x20:
			return p.errf("control character %q in a string", c)
		default:
			p.pos++
		}
	}
	return p.errf("unexpected end of file in a string")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) number() (*node, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case p.pos < len(p.data) && isDigit(p.data[p.pos]):
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
		}
	default:
		return nil, p.errf("unexpected %s in a number", p.what())
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.pos >= len(p.data) || !isDigit(p.data[p.pos]) {
			return nil, p.errf("unexpected %s after the decimal point", p.what())
		}
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= len(p.data) || !isDigit(p.data[p.pos]) {
			return nil, p.errf("unexpected %s in an exponent", p.what())
		}
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
		}
	}
	return &node{kind: kNumber, start: start, end: p.pos}, nil
}

func (p *parser) literal(word string) (*node, error) {
	start := p.pos
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.data) || p.data[p.pos] != word[i] {
			return nil, p.errf("unexpected %s, expecting %q", p.what(), word)
		}
		p.pos++
	}
	return &node{kind: kLiteral, start: start, end: p.pos}, nil
}
