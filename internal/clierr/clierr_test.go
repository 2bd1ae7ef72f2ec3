package clierr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPrint(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("no such task."), "ccq: error: no such task\n"},
		{"hint", WithHint(errors.New("bad"), "try this"), "ccq: error: bad\nccq: hint: try this\n"},
		{"wrapped hint, two lines", fmt.Errorf("launch: %w", WithHint(errors.New("bad"), "one\ntwo")),
			"ccq: error: launch: bad\nccq: hint: one\nccq: hint: two\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			Print(&b, "ccq", tt.err)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestWarn(t *testing.T) {
	var b strings.Builder
	Warn(&b, "ccq-hook", "file %s is a link.", "x")
	if got, want := b.String(), "ccq-hook: warning: file x is a link\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
