package install

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// style is how a settings file is laid out, so that what ccq adds looks like
// what was there.
type style struct {
	nl      string // line break: "\n" or "\r\n"
	unit    string // one level of indentation
	colon   string // between a key and its value, such as ": "
	comma   string // between items on one line, such as ", "
	compact bool   // the whole document is on one line
}

// at is where a new value goes: the indentation of the line it starts on,
// or on one line with its neighbours.
type at struct {
	indent string
	inline bool
}

// obj is an object to render, in key order.
type obj []kv

type kv struct {
	k string
	v any
}

func detectStyle(data []byte, root *node) style {
	st := style{nl: "\n", unit: "  ", colon: ": ", comma: ", "}
	if bytes.Contains(data, []byte("\r\n")) {
		st.nl = "\r\n"
	}
	if u := firstIndent(data, root); u != "" {
		st.unit = u
	}
	if m := firstMember(root); m != nil {
		st.colon = string(data[m.keyEnd:m.val.start])
	}
	if sep, ok := firstSeparator(data, root); ok && !strings.Contains(sep, "\n") {
		st.comma = sep
	} else if st.colon == ":" {
		st.comma = ","
	}
	st.compact = root != nil && (len(root.members) > 0 || len(root.elems) > 0) &&
		!bytes.Contains(bytes.TrimSpace(data), []byte("\n"))
	return st
}

// firstIndent is the indentation of the root's first key, or else of the
// first indented line.
func firstIndent(data []byte, root *node) string {
	if root != nil && root.kind == kObject && len(root.members) > 0 {
		ws := string(data[root.start+1 : root.members[0].keyStart])
		if i := strings.LastIndexByte(ws, '\n'); i >= 0 && i+1 < len(ws) {
			return ws[i+1:]
		}
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		trimmed := bytes.TrimLeft(line, " \t")
		if len(trimmed) < len(line) && len(bytes.TrimSpace(trimmed)) > 0 {
			return string(line[:len(line)-len(trimmed)])
		}
	}
	return ""
}

// firstMember is the first key of the document, in text order.
func firstMember(n *node) *member {
	if n == nil {
		return nil
	}
	if n.kind == kObject && len(n.members) > 0 {
		return &n.members[0]
	}
	for _, e := range n.elems {
		if m := firstMember(e); m != nil {
			return m
		}
	}
	return nil
}

// firstSeparator is the text between the first two items of the first
// container that has two.
func firstSeparator(data []byte, n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	if sp := spansOf(n); len(sp) >= 2 {
		return string(data[sp[0].end:sp[1].start]), true
	}
	for _, m := range n.members {
		if s, ok := firstSeparator(data, m.val); ok {
			return s, true
		}
	}
	for _, e := range n.elems {
		if s, ok := firstSeparator(data, e); ok {
			return s, true
		}
	}
	return "", false
}

func spansOf(n *node) []span {
	if n.kind != kObject && n.kind != kArray {
		return nil
	}
	return spans(n)
}

// lineIndent is the leading whitespace of the line holding offset off.
func lineIndent(data []byte, off int) string {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	end := start
	for end < off && (data[end] == ' ' || data[end] == '\t') {
		end++
	}
	return string(data[start:end])
}

// leadingWS is the whitespace just before offset off.
func leadingWS(data []byte, off int) string {
	i := off
	for i > 0 && strings.IndexByte(" \t\r\n", data[i-1]) >= 0 {
		i--
	}
	return string(data[i:off])
}

// indentFor says where a new item of container c goes: on the line layout of
// its last item, or, in an empty container, one level below c's line.
func indentFor(data []byte, c *node, st style) at {
	if sp := spans(c); len(sp) > 0 {
		ws := leadingWS(data, sp[len(sp)-1].start)
		if i := strings.LastIndexByte(ws, '\n'); i >= 0 {
			return at{indent: ws[i+1:]}
		}
		return at{inline: true}
	}
	if st.compact {
		return at{inline: true}
	}
	return at{indent: lineIndent(data, c.start) + st.unit}
}

// appendEdit adds rendered items at the end of container c. In a non-empty
// container each item is preceded by a comma and the same whitespace that
// precedes the current last item; spliceOut removes exactly that.
func appendEdit(data []byte, c *node, items []string, st style) edit {
	if sp := spans(c); len(sp) > 0 {
		last := sp[len(sp)-1]
		sep := "," + leadingWS(data, last.start)
		return edit{last.end, last.end, sep + strings.Join(items, sep)}
	}
	a := indentFor(data, c, st)
	if a.inline {
		return edit{c.start + 1, c.end - 1, strings.Join(items, st.comma)}
	}
	sep := "," + st.nl + a.indent
	return edit{c.start + 1, c.end - 1, st.nl + a.indent + strings.Join(items, sep) + st.nl + lineIndent(data, c.start)}
}

func renderMember(key string, v any, st style, a at) string {
	return jsonString(key) + st.colon + render(v, st, a)
}

// render writes v starting on a line indented by a.indent.
func render(v any, st style, a at) string {
	var b strings.Builder
	renderTo(&b, v, st, a)
	return b.String()
}

func renderTo(b *strings.Builder, v any, st style, a at) {
	inner := at{indent: a.indent + st.unit, inline: a.inline}
	open := func(c string, n int) {
		b.WriteString(c)
		if !a.inline && n > 0 {
			b.WriteString(st.nl + inner.indent)
		}
	}
	sep := func() {
		if a.inline {
			b.WriteString(st.comma)
		} else {
			b.WriteString("," + st.nl + inner.indent)
		}
	}
	closeWith := func(c string, n int) {
		if !a.inline && n > 0 {
			b.WriteString(st.nl + a.indent)
		}
		b.WriteString(c)
	}
	switch v := v.(type) {
	case obj:
		open("{", len(v))
		for i, m := range v {
			if i > 0 {
				sep()
			}
			b.WriteString(jsonString(m.k) + st.colon)
			renderTo(b, m.v, st, inner)
		}
		closeWith("}", len(v))
	case []any:
		open("[", len(v))
		for i, e := range v {
			if i > 0 {
				sep()
			}
			renderTo(b, e, st, inner)
		}
		closeWith("]", len(v))
	case string:
		b.WriteString(jsonString(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	default:
		panic(fmt.Sprintf("install: cannot render %T", v))
	}
}

// jsonString encodes s as a JSON string, leaving <, > and & as they are.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
