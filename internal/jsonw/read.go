package jsonw

import (
	"github.com/tidwall/gjson"

	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Readers of ccq's own lines find their structure with gjson and read each
// value's raw token with Unquote and ParseInt. Both are strict: they say
// ok only for a token they read exactly as json.Unmarshal does, and leave
// anything unusual (a lone surrogate, invalid UTF-8, a number with a
// fraction) to the caller's fallback on encoding/json, so that a line ccq
// wrote never costs encoding/json's reflection and an odd one is read as
// it always was.

// Unquote returns the string a JSON string token (quotes included) holds.
// ok is false for a token that is not a well-formed string, holds invalid
// UTF-8 or an escaped surrogate that does not pair: json.Unmarshal would
// turn those into U+FFFD, and the caller leaves them to it.
func Unquote(raw string) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	esc := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c < ' ' || c == '"' {
			return "", false
		}
		if c == '\\' {
			esc = true
			i++ // whatever follows is checked by unescape
		} else if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(body[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			i += size - 1
		}
	}
	if !esc {
		return body, true
	}
	return unescape(body)
}

func unescape(body string) (string, bool) {
	b := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i++; i == len(body) {
			return "", false
		}
		switch body[i] {
		case '"', '\\', '/':
			b = append(b, body[i])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(body[i+1:])
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := hex4(body[min(i+3, len(body)):])
				if !ok || i+2 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' {
					return "", false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", false
				}
				i += 6
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", false
		}
	}
	return string(b), true
}

// hex4 reads the four hex digits at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// ParseInt reads a JSON number token that is an integer in int64's range,
// written as JSON writes integers (no fraction, no exponent, no leading
// zero). ok is false for any other token.
func ParseInt(raw string) (int64, bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	return n, err == nil
}

// ParseIntN is ParseInt for a Go int, whose range depends on the platform.
func ParseIntN(raw string) (int, bool) {
	n, ok := ParseInt(raw)
	if !ok || int64(int(n)) != n {
		return 0, false
	}
	return int(n), true
}

// Object calls set for each member of v (an object) in order, with the
// member's quoted name, and reports whether v is an object whose members
// set all took, none named twice: json.Unmarshal keeps the last of a
// repeated name, and a reader leaves such a line to it.
func Object(v gjson.Result, set func(key string, v gjson.Result) bool) bool {
	if !v.IsObject() {
		return false
	}
	var seen map[string]bool
	ok := true
	v.ForEach(func(k, e gjson.Result) bool {
		if seen[k.Raw] {
			ok = false
			return false
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[k.Raw] = true
		ok = set(k.Raw, e)
		return ok
	})
	return ok
}

// ReadString reads a string value into dst as json.Unmarshal does (see
// Unquote for what it leaves to encoding/json).
func ReadString(v gjson.Result, dst *string) bool {
	s, ok := Unquote(v.Raw)
	*dst = s
	return ok && v.Type == gjson.String
}

// ReadInt64 reads a whole number into dst as json.Unmarshal does.
func ReadInt64(v gjson.Result, dst *int64) bool {
	n, ok := ParseInt(v.Raw)
	*dst = n
	return ok && v.Type == gjson.Number
}

// ReadInt reads a whole number that fits an int into dst.
func ReadInt(v gjson.Result, dst *int) bool {
	n, ok := ParseIntN(v.Raw)
	*dst = n
	return ok && v.Type == gjson.Number
}
