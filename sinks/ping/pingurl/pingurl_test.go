package pingurl

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The rid is the UUID github.com/google/uuid computes, for any run id.
func FuzzRunUUID(f *testing.F) {
	for _, s := range []string{"20261204T020000Z-ab12", "x", "ü", strings.Repeat("r", 300)} {
		f.Add(s)
	}
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/ccq-dev/ccq/run-id"))
	if ns.String() != "bf0dc15d-ecda-51fc-8500-5624708ecf8c" || [16]byte(ns) != ridNamespace {
		f.Fatalf("namespace %s is not the one ccq's rids were made in", ns)
	}
	f.Fuzz(func(t *testing.T, runID string) {
		got := RunUUID(runID)
		if runID == "" {
			if got != "" {
				t.Fatalf("RunUUID(\"\") = %q", got)
			}
			return
		}
		if want := uuid.NewSHA1(ns, []byte(runID)).String(); got != want {
			t.Fatalf("RunUUID(%q) = %s, google/uuid says %s", runID, got, want)
		}
	})
}

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
