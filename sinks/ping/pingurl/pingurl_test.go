package pingurl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, bad := range []string{"ftp://h/x", "https:///x", "https://h/x#frag", "https://user:s3cret@h/x#f", "::"} {
		_, err := Parse(bad)
		if err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Parse(%q) error shows the secret: %v", bad, err)
		}
	}
	if _, err := Parse(" https://hc-ping.com/5f3a?x=1 "); err != nil {
		t.Errorf("a good URL: %v", err)
	}
}
