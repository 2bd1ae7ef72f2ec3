// Package jsonw writes JSON by appending to a []byte, byte for byte as
// encoding/json's Marshal would, for the few types ccq writes on every
// launch and every hook: a run's state events, its history line, the lock
// holder, the guardian's messages.
//
// It exists for start-up cost alone. encoding/json builds each type's
// encoder by reflection on first use (typeFields, typeEncoder,
// cachedTypeFields): a profile of 200 `ccq launch` runs of a stand-in
// claude put that at about 60 kB of freshly touched heap and 4% of the
// process's CPU samples, for a short-lived process whose whole cost is its
// start. The hand-written encoders in recorder and launch use these
// appenders; their tests compare them with json.Marshal, fuzzing included.
package jsonw

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// safe[b] is true for the ASCII bytes encoding/json writes as they are
// (with HTML escaping on, as json.Marshal has it): not a control
// character, not '"' or '\\', not '<', '>' or '&'.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()

// String appends s as a JSON string, escaped as json.Marshal escapes it:
// '<', '>' and '&' as \u003c, \u003e and \u0026, U+2028 and U+2029 as
// \u2028 and \u2029, each byte of invalid UTF-8 as \ufffd, control
// characters as \b \f \n \r \t or \u00XX.
func String(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Int appends n in decimal.
func Int(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// Bool appends true or false.
func Bool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// ErrUnsupported is returned for a NaN or an infinity, which JSON cannot
// hold (json.Marshal fails on them too).
var ErrUnsupported = errors.New("jsonw: NaN or infinity")

// Float appends f as json.Marshal writes a float64: the shortest decimal
// that reads back as f, in 'f' form, or in 'e' form with a one-digit
// negative exponent left unpadded (1e-7, not 1e-07) when |f| is below
// 1e-6 or at least 1e21.
func Float(b []byte, f float64) ([]byte, error) { return float(b, f, 64) }

func float(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, ErrUnsupported
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// Key appends a member's name and its colon, after a comma unless the
// member is the object's first (b ends in '{').
func Key(b []byte, name string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return append(String(b, name), ':')
}

// Any appends v as json.Marshal would. The types a history line's extras
// hold are written here (strings, booleans, integers, floats, nil, and
// slices and string-keyed maps of those); any other type goes to
// json.Marshal, and so does its error. On error b is returned as it came.
func Any(b []byte, v any) ([]byte, error) {
	n := len(b)
	b, err := anyValue(b, v)
	if err != nil {
		return b[:n], err
	}
	return b, nil
}

func anyValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return String(b, v), nil
	case bool:
		return Bool(b, v), nil
	case int:
		return Int(b, int64(v)), nil
	case int8:
		return Int(b, int64(v)), nil
	case int16:
		return Int(b, int64(v)), nil
	case int32:
		return Int(b, int64(v)), nil
	case int64:
		return Int(b, v), nil
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case float64:
		return float(b, v, 64)
	case float32:
		return float(b, float64(v), 32)
	case []string:
		return list(b, v, func(b []byte, s string) ([]byte, error) { return String(b, s), nil })
	case []any:
		return list(b, v, anyValue)
	case map[string]string:
		return object(b, v, func(b []byte, s string) ([]byte, error) { return String(b, s), nil })
	case map[string]any:
		return object(b, v, anyValue)
	}
	j, err := json.Marshal(v)
	return append(b, j...), err
}

// list writes a slice; nil is null, as json.Marshal has it.
func list[T any](b []byte, s []T, elem func([]byte, T) ([]byte, error)) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = elem(b, v); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// object writes a map with its keys sorted; nil is null.
func object[T any](b []byte, m map[string]T, elem func([]byte, T) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	for _, k := range slices.Sorted(maps.Keys(m)) { // byte order, as json.Marshal writes a map
		b = Key(b, k)
		var err error
		if b, err = elem(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}
