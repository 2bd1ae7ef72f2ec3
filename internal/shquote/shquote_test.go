package shquote

import (
	"os/exec"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"/usr/bin/ccq-hook", "/usr/bin/ccq-hook"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"--x=1,2:3@4%5+6", "--x=1,2:3@4%5+6"},
		{"é", "'é'"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestQuoteRoundTrip asks a real shell to read each quoted word back.
func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "two words", "it's", `"\$x`, "a\nb", "*?[", "`cmd`"} {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("sh: %v", err)
		}
		if string(out) != s {
			t.Errorf("sh read %q back as %q", s, out)
		}
	}
}
