package launch

import (
	"sort"
	"testing"
	"time"
)

func TestNewRunID(t *testing.T) {
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	var ids []string
	for i := 0; i < 1000; i++ {
		id := NewRunID(base.Add(time.Duration(i/10) * time.Millisecond))
		if len(id) != 16 {
			t.Fatalf("id %q has %d characters", id, len(id))
		}
		for _, c := range id {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
				t.Fatalf("id %q holds %q", id, c)
			}
		}
		if seen[id] {
			t.Fatalf("id %q given twice", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	// Ids of later milliseconds sort after earlier ones.
	for i := 10; i < len(ids); i += 10 {
		if ids[i-10][:10] >= ids[i][:10] {
			t.Fatalf("%q does not sort before %q", ids[i-10], ids[i])
		}
	}
	later := NewRunID(base.Add(24 * time.Hour))
	if !sort.StringsAreSorted([]string{ids[len(ids)-1], later}) {
		t.Errorf("%q sorts before %q", later, ids[len(ids)-1])
	}
}
