// Package clamp keeps values inside their bounds instead of failing or
// wrapping: a string cut to a byte budget, a sum that stops at the largest
// int64.
package clamp

import (
	"math"
	"strings"
	"unicode/utf8"
)

// String cuts s to at most n bytes on a character boundary, ending it in
// "…" when anything was cut, and makes it valid UTF-8.
func String(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:max(cut, 0)] + ell
}

// Add adds two counts, stopping at math.MaxInt64 instead of wrapping to a
// negative number. Counts are never negative: a negative operand counts
// as 0.
func Add(a, b int64) int64 {
	a, b = max(a, 0), max(b, 0)
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
