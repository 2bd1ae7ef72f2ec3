package stats

import (
	"strconv"
	"unsafe"

	"github.com/ccq-dev/ccq/recorder"
)

// The fast path reads a line laid out exactly as recorder.Entry marshals it:
//
//	{"task_id":"…","success":B,"error_type":null|"…","tokens":N,"duration_s":F,"log_file":"…","timestamp":"…"[,extras]}
//
// It validates everything it walks with gjson's grammar (jsonscan.go), so a
// line it accepts is one gjson.Valid accepts and yields the values
// parseSlow reads; anything unusual (escapes in a needed string, exponents,
// spaces, a negative or null number) returns false and ParseLine falls back
// to parseSlow, which decides. FuzzParseFast holds the two to agreement.
//
// It is worth its code: BenchmarkParseLine reads a ccq line about ten times
// faster here than through gjson (190 ns against 2,000 ns), which is most of
// `ccq stats` time on a large history.
func parseFast(b []byte, r *Record) bool {
	*r = Record{day: r.day}
	i, ok := fastHead(b, r)
	if !ok {
		return false
	}
	return fastExtras(b, i, r)
}

// fastHead reads the seven keys every ccq line starts with and returns
// where the extras begin.
func fastHead(b []byte, r *Record) (int, bool) {
	if !w0.at(b, 0) {
		return 0, false
	}
	i := w0.n
	j, esc, ok := scanString(b, i)
	if !ok || esc {
		return 0, false
	}
	r.Task = b[i:j]
	if len(r.Task) == 0 {
		r.Task = unnamed
	}
	if i, ok = fastOutcome(b, j+1, r); !ok || !w3.at(b, i) {
		return 0, false
	}
	if r.Tokens, i, ok = fastTokens(b, i+w3.n); !ok || !w4.at(b, i) {
		return 0, false
	}
	if r.DurMs, i, ok = fastSeconds(b, i+w4.n); !ok || !w5.at(b, i) {
		return 0, false
	}
	r.HasDur = true
	if j, _, ok = scanString(b, i+w5.n); !ok || !w6.at(b, j+1) {
		return 0, false
	}
	i = j + 1 + w6.n
	if j, esc, ok = scanString(b, i); !ok || esc {
		return 0, false
	}
	r.TSMs, r.HasTS = r.day.parse(b[i:j])
	return j + 1, true
}

// fastOutcome reads `,"success":B,"error_type":null|"…"` from i.
func fastOutcome(b []byte, i int, r *Record) (int, bool) {
	if !w1.at(b, i) {
		return 0, false
	}
	i += w1.n
	switch {
	case lit(b, i, "true"):
		r.Success = true
		i += 4
	case lit(b, i, "false"):
		i += 5
	default:
		return 0, false
	}
	if !w2.at(b, i) {
		return 0, false
	}
	i += w2.n
	if lit(b, i, "null") {
		return i + 4, true
	}
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	j, esc, ok := scanString(b, i+1)
	if !ok || esc {
		return 0, false
	}
	r.ErrorType = b[i+1 : j]
	return j + 1, true
}

// fastExtras walks the members after timestamp, picking error_detail,
// cost_usd, run_id, retry_of, attempt and client_success (the first of
// each, as gjson does), up to the closing brace, which must end the line.
func fastExtras(b []byte, i int, r *Record) bool {
	seenDetail, seenCost, seenRun, seenRetry, seenAttempt := false, false, false, false, false
	seenClient := false
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
			if i, ok = fastCost(b, vs, r); !ok {
				return false
			}
			continue
		case !seenRun && string(key) == "run_id":
			seenRun = true
			if r.RunID, i, ok = fastIDString(b, vs); !ok {
				return false
			}
			continue
		case !seenRetry && string(key) == "retry_of":
			seenRetry = true
			if r.RetryOf, i, ok = fastIDString(b, vs); !ok {
				return false
			}
			continue
		case !seenClient && string(key) == recorder.ExtraClientSuccess:
			// Only true counts; skipValue below checks what follows it.
			seenClient = true
			r.ClientSuccess = lit(b, vs, "true")
		case !seenAttempt && string(key) == "attempt":
			seenAttempt = true
			if vs < len(b) && (b[vs] == '-' || (b[vs] >= '0' && b[vs] <= '9')) {
				if r.Attempt, i, ok = fastAttempt(b, vs); !ok {
					return false
				}
				continue
			}
		}
		if i, ok = skipValue(b, vs, 0); !ok {
			return false
		}
	}
}

// fastIDString reads a run_id or retry_of value at i: a string without
// escapes (a slice of b), or any other value, skipped and read as none, as
// parseSlow reads it. An escaped string is left to the slow path.
func fastIDString(b []byte, i int) ([]byte, int, bool) {
	if i < len(b) && b[i] == '"' {
		j, esc, ok := scanString(b, i+1)
		if !ok || esc {
			return nil, 0, false
		}
		return b[i+1 : j], j + 1, true
	}
	j, ok := skipValue(b, i, 0)
	return nil, j, ok
}

// fastAttempt reads an attempt number of 1 to 9 digits without a leading
// zero; any other number (a fraction, an exponent, a sign) is left to the
// slow path.
func fastAttempt(b []byte, i int) (int64, int, bool) {
	j := i
	var n int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		n = n*10 + int64(b[j]-'0')
		j++
	}
	if d := j - i; d == 0 || d > 9 || b[i] == '0' {
		return 0, 0, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	return n, j, true
}

// fastCost reads a cost_usd value at i: a number that validAmount accepts,
// or null. Anything else is left to the slow path.
func fastCost(b []byte, i int, r *Record) (int, bool) {
	if lit(b, i, "null") {
		return i + 4, true
	}
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return 0, false
	}
	j, ok := skipNumber(b, i)
	if !ok {
		return 0, false
	}
	// skipNumber checked the syntax; an overflow reads as +Inf.
	f, _ := strconv.ParseFloat(unsafe.String(&b[i], j-i), 64)
	if !validAmount(f) {
		return 0, false
	}
	r.Cost, r.HasCost = f, true
	return j, true
}

// fastTokens reads a token count of 1 to 18 digits, without a leading zero:
// such a count cannot overflow. Anything else is left to the slow path.
func fastTokens(b []byte, i int) (int64, int, bool) {
	j := i
	var tok int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		tok = tok*10 + int64(b[j]-'0')
		j++
	}
	if n := j - i; n == 0 || n > 18 || (n > 1 && b[i] == '0') {
		return 0, 0, false
	}
	return tok, j, true
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
