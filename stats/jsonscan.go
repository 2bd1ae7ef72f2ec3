package stats

import (
	"bytes"
	"encoding/binary"
)

// The JSON grammar the fast path walks, checked as gjson.Valid checks it.

// scanString finds the closing quote of a JSON string whose content starts
// at i. It checks the string as gjson.Valid does (no control characters,
// valid escapes) and reports whether it held any escape.
func scanString(b []byte, i int) (end int, escaped, ok bool) {
	for {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character.
		for i+8 <= len(b) {
			w := le64(b[i:])
			if hasZero(w^0x2222222222222222)|hasZero(w^0x5c5c5c5c5c5c5c5c)|hasLess(w, 0x20) != 0 {
				break
			}
			i += 8
		}
		for ; i < len(b); i++ {
			c := b[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
		}
		if i >= len(b) || b[i] < 0x20 {
			return i, escaped, false
		}
		if b[i] == '"' {
			return i, escaped, true
		}
		// An escape.
		escaped = true
		i++
		if i >= len(b) {
			return i, escaped, false
		}
		switch b[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			if i+4 >= len(b) {
				return i, escaped, false
			}
			for k := 1; k <= 4; k++ {
				if !isHex(b[i+k]) {
					return i, escaped, false
				}
			}
			i += 5
		default:
			return i, escaped, false
		}
	}
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

const lo7 = 0x0101010101010101
const hi7 = 0x8080808080808080

// hasZero is non-zero when some byte of w is zero.
func hasZero(w uint64) uint64 { return (w - lo7) &^ w & hi7 }

// hasLess is non-zero when some byte of w is below n (n <= 128).
func hasLess(w uint64, n uint64) uint64 { return (w - lo7*n) &^ w & hi7 }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipValue returns the end of the JSON value starting exactly at i (no
// whitespace allowed: a line with whitespace goes to the slow path).
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > 32 {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		j, _, ok := scanString(b, i+1)
		return j + 1, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(b, i)
	case c == 't':
		return i + 4, bytes.HasPrefix(b[i:], []byte("true"))
	case c == 'f':
		return i + 5, bytes.HasPrefix(b[i:], []byte("false"))
	case c == 'n':
		return i + 4, bytes.HasPrefix(b[i:], []byte("null"))
	case c == '{':
		i++
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			j, _, ok := scanString(b, i+1)
			if !ok || j+1 >= len(b) || b[j+1] != ':' {
				return i, false
			}
			if i, ok = skipValue(b, j+2, depth+1); !ok || i >= len(b) {
				return i, false
			}
			if b[i] == '}' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i++
		}
	case c == '[':
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = skipValue(b, i, depth+1); !ok || i >= len(b) {
				return i, false
			}
			if b[i] == ']' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i++
		}
	}
	return i, false
}

// skipNumber follows JSON's number grammar, as gjson.Valid does.
func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return i, false
	}
	if b[i] == '0' {
		i++
	} else {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i, true
}
