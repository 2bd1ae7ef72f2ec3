package stats

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Record is what the analysis needs from one history line. Byte slices point
// into the line and are only valid while the line is.
type Record struct {
	Task      []byte // task_id; "unnamed" when missing or empty
	Success   bool
	ErrorType []byte // nil when the run succeeded or the type is unknown
	Tokens    int64
	DurMs     int64 // duration_s in whole milliseconds, rounded
	HasDur    bool
	TSMs      int64 // timestamp as unix milliseconds
	HasTS     bool
	Detail    []byte // error_detail
	Cost      float64
	HasCost   bool

	day dayCache // survives between lines: most lines share their date
}

// dayCache remembers the last date parsed and its day number.
type dayCache struct {
	date0 uint64 // the first 8 bytes of the date, as le64 reads them
	date1 uint16 // the last two
	days  int64
	ok    bool
}

var unnamed = []byte("unnamed")

// ParseLine extracts a Record from one history line (without its newline).
// It tries a fast path that relies on the key order ccq writes and falls
// back to gjson for anything else, so lines written by other tools, with
// keys reordered, extra whitespace or escapes, still count. ok is false for
// a line that is not valid JSON or not a history entry (no boolean
// "success").
func ParseLine(line []byte, r *Record) (ok bool) {
	if parseFast(line, r) {
		return true
	}
	return parseSlow(line, r)
}

// parseSlow is the reference: gjson decides validity and every value.
// A key that appears twice counts with its first value, as gjson reads it.
func parseSlow(line []byte, r *Record) bool {
	*r = Record{day: r.day}
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' || !gjson.ValidBytes(line) {
		return false
	}
	res := gjson.GetManyBytes(line, "task_id", "success", "error_type", "tokens", "duration_s", "timestamp", "error_detail", "cost_usd")
	switch res[1].Type {
	case gjson.True:
		r.Success = true
	case gjson.False:
	default:
		return false
	}
	if res[0].Type == gjson.String && res[0].Str != "" {
		r.Task = []byte(res[0].Str)
	} else {
		r.Task = unnamed
	}
	if res[2].Type == gjson.String {
		r.ErrorType = []byte(res[2].Str)
	}
	if res[3].Type == gjson.Number {
		r.Tokens = res[3].Int()
	}
	if res[4].Type == gjson.Number {
		r.DurMs = secondsToMs(res[4].Float())
		r.HasDur = true
	}
	if res[5].Type == gjson.String {
		r.TSMs, r.HasTS = r.day.parse([]byte(res[5].Str))
	}
	if res[6].Type == gjson.String {
		r.Detail = []byte(res[6].Str)
	}
	if res[7].Type == gjson.Number {
		r.Cost = res[7].Float()
		r.HasCost = true
	}
	return true
}

func secondsToMs(f float64) int64 {
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f > math.MaxInt64/2000 {
		return math.MaxInt64 / 2
	}
	return int64(math.Round(f * 1000))
}

// parseFast reads a line laid out exactly as recorder.Entry marshals it:
//
//	{"task_id":"…","success":B,"error_type":null|"…","tokens":N,"duration_s":F,"log_file":"…","timestamp":"…"[,extras]}
//
// It validates everything it walks with gjson's grammar, so a line it
// accepts is one gjson.Valid accepts and yields the same values; anything
// unusual (escapes in a needed string, exponents, spaces) returns false and
// the caller falls back to parseSlow.
func parseFast(b []byte, r *Record) bool {
	*r = Record{day: r.day}
	if !w0.at(b, 0) {
		return false
	}
	i := w0.n
	j, esc, ok := scanString(b, i)
	if !ok || esc {
		return false
	}
	r.Task = b[i:j]
	if len(r.Task) == 0 {
		r.Task = unnamed
	}
	i = j + 1
	if !w1.at(b, i) {
		return false
	}
	i += w1.n
	switch {
	case lit(b, i, "true"):
		r.Success = true
		i += 4
	case lit(b, i, "false"):
		i += 5
	default:
		return false
	}
	if !w2.at(b, i) {
		return false
	}
	i += w2.n
	if lit(b, i, "null") {
		i += 4
	} else if i < len(b) && b[i] == '"' {
		j, esc, ok := scanString(b, i+1)
		if !ok || esc {
			return false
		}
		r.ErrorType = b[i+1 : j]
		i = j + 1
	} else {
		return false
	}
	if !w3.at(b, i) {
		return false
	}
	i += w3.n
	n, j := 0, i
	var tok int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		tok = tok*10 + int64(b[j]-'0')
		j++
	}
	n = j - i
	if n == 0 || n > 18 || (n > 1 && b[i] == '0') {
		return false
	}
	r.Tokens = tok
	i = j
	if !w4.at(b, i) {
		return false
	}
	i += w4.n
	ms, j, ok := fastSeconds(b, i)
	if !ok {
		return false
	}
	r.DurMs, r.HasDur = ms, true
	i = j
	if !w5.at(b, i) {
		return false
	}
	i += w5.n
	j, _, ok = scanString(b, i)
	if !ok {
		return false
	}
	i = j + 1
	if !w6.at(b, i) {
		return false
	}
	i += w6.n
	j, esc, ok = scanString(b, i)
	if !ok || esc {
		return false
	}
	r.TSMs, r.HasTS = r.day.parse(b[i:j])
	i = j + 1
	// Extras: walk the remaining members, picking error_detail and cost_usd.
	seenDetail, seenCost := false, false
	for {
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return i == len(b)-1
		}
		if b[i] != ',' || i+1 >= len(b) || b[i+1] != '"' {
			return false
		}
		ks := i + 2
		ke, kesc, ok := scanString(b, ks)
		if !ok || kesc || ke+1 >= len(b) || b[ke+1] != ':' {
			return false
		}
		vs := ke + 2
		key := b[ks:ke]
		switch {
		case !seenDetail && string(key) == "error_detail":
			seenDetail = true
			if vs < len(b) && b[vs] == '"' {
				ve, vesc, ok := scanString(b, vs+1)
				if !ok || vesc {
					return false
				}
				r.Detail = b[vs+1 : ve]
				i = ve + 1
				continue
			}
		case !seenCost && string(key) == "cost_usd":
			seenCost = true
			ve, ok := skipValue(b, vs, 0)
			if !ok {
				return false
			}
			if b[vs] == '-' || (b[vs] >= '0' && b[vs] <= '9') {
				f, err := strconv.ParseFloat(unsafe.String(&b[vs], ve-vs), 64)
				if err != nil && !isRangeErr(err) {
					return false
				}
				r.Cost, r.HasCost = f, true
			}
			i = ve
			continue
		}
		ve, ok := skipValue(b, vs, 0)
		if !ok {
			return false
		}
		i = ve
	}
}

// wordLit is a constant of 8 to 16 bytes compared as two overlapping
// 64-bit words: the key names of the fast path.
type wordLit struct {
	lo, hi uint64
	n      int
}

func mkLit(s string) wordLit {
	if len(s) < 8 || len(s) > 16 {
		panic("wordLit needs 8 to 16 bytes")
	}
	return wordLit{le64([]byte(s)), le64([]byte(s[len(s)-8:])), len(s)}
}

func (w wordLit) at(b []byte, i int) bool {
	return len(b)-i >= w.n && le64(b[i:]) == w.lo && le64(b[i+w.n-8:]) == w.hi
}

var (
	w0 = mkLit(`{"task_id":"`)
	w1 = mkLit(`,"success":`)
	w2 = mkLit(`,"error_type":`)
	w3 = mkLit(`,"tokens":`)
	w4 = mkLit(`,"duration_s":`)
	w5 = mkLit(`,"log_file":"`)
	w6 = mkLit(`,"timestamp":"`)
)

// lit reports whether b holds the constant s at i; with s constant the
// compiler turns the comparison into a few word loads.
func lit(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// fastSeconds reads a non-negative decimal with at most three fraction
// digits and at most nine integer digits as exact milliseconds, the form
// ccq writes; anything else is left to the slow path.
func fastSeconds(b []byte, i int) (int64, int, bool) {
	j := i
	var ip int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		ip = ip*10 + int64(b[j]-'0')
		j++
	}
	n := j - i
	if n == 0 || n > 9 || (n > 1 && b[i] == '0') {
		return 0, 0, false
	}
	ms := ip * 1000
	if j < len(b) && b[j] == '.' {
		j++
		k := j
		scale := int64(100)
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			ms += int64(b[j]-'0') * scale
			scale /= 10
			j++
		}
		if j == k || j-k > 3 {
			return 0, 0, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	return ms, j, true
}

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

// parse is ParseTimestamp that skips the date arithmetic when the date is
// the one seen last.
func (c *dayCache) parse(s []byte) (int64, bool) {
	if c.ok && len(s) == 24 && le64(s) == c.date0 && uint16(s[8])|uint16(s[9])<<8 == c.date1 && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		h0, h1, m0, m1, s0, s1 := s[11]-'0', s[12]-'0', s[14]-'0', s[15]-'0', s[17]-'0', s[18]-'0'
		f0, f1, f2 := s[20]-'0', s[21]-'0', s[22]-'0'
		if h0|h1|m0|m1|s0|s1|f0|f1|f2 < 10 {
			h := int64(h0)*10 + int64(h1)
			m := int64(m0)*10 + int64(m1)
			se := int64(s0)*10 + int64(s1)
			if h < 24 && m < 60 && se < 60 {
				return ((c.days*24+h)*60+m)*60000 + se*1000 + int64(f0)*100 + int64(f1)*10 + int64(f2), true
			}
		}
	}
	ms, ok := ParseTimestamp(s)
	if ok && len(s) == 24 && s[23] == 'Z' && s[10] == 'T' {
		c.date0, c.date1 = le64(s), uint16(s[8])|uint16(s[9])<<8
		c.days = floorDiv(ms, dayMs)
		c.ok = true
	}
	return ms, ok
}

// ParseTimestamp reads an RFC 3339 time as unix milliseconds. ccq's own
// layout (2006-01-02T15:04:05.000Z) is read by hand; any other RFC 3339
// form goes through time.Parse.
func ParseTimestamp(s []byte) (int64, bool) {
	if len(s) == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		se, ok6 := digits(s[17:19])
		ms, ok7 := digits(s[20:23])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h < 24 && mi < 60 && se < 60 {
			days := daysFromCivil(y, mo, d)
			return ((days*24+h)*60+mi)*60000 + se*1000 + ms, true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

func digits(b []byte) (int64, bool) {
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's algorithm: days since 1970-01-01.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
