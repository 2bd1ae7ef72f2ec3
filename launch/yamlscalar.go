package launch

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// A front-matter value is read with the rules go.yaml.in/yaml/v3 applied
// when it decoded a yaml.Node into a string, int, float64 or bool, so a
// task file means what it meant before ccq moved to goccy/go-yaml:
// goccy's own typing of a token is not used, only its text, quoting and
// tag. The one departure: a number with a fraction is refused where a
// whole number goes (yaml.v3 cut max_turns: 3.5 to 3).

// yamlScalar is a scalar as written: its text with quotes, escapes and
// folding undone, whether it was plain (unquoted, not a block), and its
// explicit tag ("" for none).
type yamlScalar struct {
	text  string
	plain bool
	tag   string
}

// scalarOf reads the scalar n, looking through an anchor or tag; ok is
// false for a list, mapping or alias.
func scalarOf(n ast.Node) (s yamlScalar, ok bool) {
	for {
		switch v := n.(type) {
		case nil:
			s.plain = true // a tag or anchor with no value: null
			return s, true
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			if s.tag == "" {
				s.tag = v.Start.Value
			}
			n = v.Value
		case *ast.StringNode:
			typ := v.Token.Type
			s.text, s.plain = v.Value, typ != token.SingleQuoteType && typ != token.DoubleQuoteType
			return s, true
		case *ast.LiteralNode:
			s.text = v.Value.Value
			return s, true
		case *ast.NullNode:
			if v.Token.Type != token.ImplicitNullType {
				s.text = v.Token.Value
			}
			s.plain = true
			return s, true
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
			s.text, s.plain = v.GetToken().Value, true
			return s, true
		default:
			return s, false
		}
	}
}

// yamlKind is what a scalar resolves to under YAML 1.2's core schema.
type yamlKind int

const (
	kindStr yamlKind = iota
	kindNull
	kindBool
	kindInt
	kindFloat
)

// resolved is a scalar's value: b for kindBool; f for kindInt and
// kindFloat; i for kindInt when it fits an int64 (fits).
type resolved struct {
	kind yamlKind
	b    bool
	i    int64
	fits bool
	f    float64
}

// kindNames name the kinds an explicit tag asks for, in messages.
var kindNames = map[string]yamlKind{"!!null": kindNull, "!!bool": kindBool, "!!int": kindInt, "!!float": kindFloat}

// resolve types a scalar: a quoted or block one, or one tagged !!str (or
// with a tag of the user's own), is a string; a plain one is resolved; a
// standard tag must match what the text resolves to, as yaml.v3 checked.
func (s yamlScalar) resolve() (resolved, error) {
	tag := s.tag
	if rest, ok := strings.CutPrefix(tag, "tag:yaml.org,2002:"); ok {
		tag = "!!" + rest
	}
	if tag == "!" {
		tag = ""
	}
	want, standard := kindNames[tag]
	switch {
	case tag == "" && s.plain:
		return resolvePlain(s.text), nil
	case !standard:
		return resolved{kind: kindStr}, nil
	}
	r := resolvePlain(s.text)
	if r.kind == kindInt && want == kindFloat {
		r.kind = kindFloat
	}
	if r.kind != want {
		return r, fmt.Errorf("%q is not a %s", s.text, strings.TrimPrefix(tag, "!!"))
	}
	return r, nil
}

// resolvePlain types a plain scalar as yaml.v3's resolve did.
func resolvePlain(in string) resolved {
	switch in {
	case "", "~", "null", "Null", "NULL":
		return resolved{kind: kindNull}
	case "true", "True", "TRUE":
		return resolved{kind: kindBool, b: true}
	case "false", "False", "FALSE":
		return resolved{kind: kindBool}
	case ".nan", ".NaN", ".NAN":
		return resolved{kind: kindFloat, f: math.NaN()}
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return resolved{kind: kindFloat, f: math.Inf(1)}
	case "-.inf", "-.Inf", "-.INF":
		return resolved{kind: kindFloat, f: math.Inf(-1)}
	}
	c := in[0]
	if c == '.' {
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return resolved{kind: kindFloat, f: f}
		}
		return resolved{kind: kindStr}
	}
	if c != '+' && c != '-' && (c < '0' || c > '9') {
		return resolved{kind: kindStr}
	}
	// Underscores are dropped anywhere; base prefixes 0x, 0o, 0b and a
	// leading 0 (octal, YAML 1.1) are Go's own.
	plain := strings.ReplaceAll(in, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return resolved{kind: kindInt, i: i, fits: true, f: float64(i)}
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return resolved{kind: kindInt, f: float64(u)}
	}
	if isYAMLFloat(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return resolved{kind: kindFloat, f: f}
		}
	}
	return resolved{kind: kindStr}
}

// isYAMLFloat matches yaml.v3's
// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ without compiling
// a regular expression at start.
func isYAMLFloat(s string) bool {
	digits := func() int {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n
	}
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s != "" && s[0] == '.' {
		s = s[1:]
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if s != "" && s[0] == '.' {
			s = s[1:]
			digits()
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}

// decodeScalar reads one value into out (*string, *int, *float64 or
// *bool). A null leaves out as it is, its zero value, as yaml.v3 did.
func decodeScalar(v ast.Node, out any) error {
	s, ok := scalarOf(v)
	if !ok {
		return errors.New("want a single value")
	}
	r, err := s.resolve()
	if err != nil || r.kind == kindNull {
		return err
	}
	switch p := out.(type) {
	case *string:
		if s.tag == "!!binary" || s.tag == "tag:yaml.org,2002:binary" {
			b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s.text), ""))
			if err != nil {
				return errors.New("!!binary value holds invalid base64 data")
			}
			s.text = string(b)
		}
		*p = s.text
	case *int:
		if r.kind == kindFloat && r.f == math.Trunc(r.f) && r.f >= math.MinInt64 && r.f < math.MaxInt64 {
			r.kind, r.i, r.fits = kindInt, int64(r.f), true
		}
		if r.kind != kindInt || !r.fits {
			return s.want("a whole number", kindInt)
		}
		*p = int(r.i)
	case *float64:
		if r.kind != kindInt && r.kind != kindFloat {
			return s.want("a number", kindFloat)
		}
		*p = r.f
	case *bool:
		b, ok := r.b, r.kind == kindBool
		if r.kind == kindStr {
			// YAML 1.1's words, as yaml.v3 took them for a bool.
			switch s.text {
			case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
				b, ok = true, true
			case "n", "N", "no", "No", "NO", "off", "Off", "OFF":
				b, ok = false, true
			}
		}
		if !ok {
			return s.want("true or false", kindBool)
		}
		*p = b
	default:
		panic(fmt.Sprintf("decodeScalar: cannot decode into %T", out))
	}
	return nil
}

// want says the value is not what goes there, and that quotes are the
// reason when the text unquoted would have been one.
func (s yamlScalar) want(what string, k yamlKind) error {
	if !s.plain && s.tag == "" {
		if r := resolvePlain(s.text); s.text != "" && (r.kind == k || k == kindFloat && r.kind == kindInt) {
			return fmt.Errorf("want %s, not the quoted string %q (drop the quotes)", what, s.text)
		}
	}
	return fmt.Errorf("want %s, not %q", what, s.text)
}
