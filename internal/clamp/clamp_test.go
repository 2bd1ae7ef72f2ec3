package clamp

import (
	"math"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 8, "abcde…"},
		{"ééééé", 7, "éé…"}, // 10 bytes: 2 whole é (4) + … (3)
		{"\xffx", 10, "\uFFFDx"},
	}
	for _, tt := range tests {
		if got := String(tt.in, tt.n); got != tt.want || len(got) > tt.n {
			t.Errorf("String(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestAdd(t *testing.T) {
	for _, tt := range []struct{ a, b, want int64 }{
		{1, 2, 3},
		{math.MaxInt64, 1, math.MaxInt64},
		{math.MaxInt64 - 1, math.MaxInt64 - 1, math.MaxInt64},
		{-3, 2, 2}, // negative counts are 0
	} {
		if got := Add(tt.a, tt.b); got != tt.want {
			t.Errorf("Add(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
