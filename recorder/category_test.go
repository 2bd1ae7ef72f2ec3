package recorder

import "testing"

// TestCategorize: success decides first; the three error types the
// recorder writes are their own categories; anything else is other.
func TestCategorize(t *testing.T) {
	tests := []struct {
		success bool
		typ     string
		want    Category
	}{
		{true, "", CategorySuccess},
		{true, "timeout", CategorySuccess},
		{false, "timeout", CategoryTimeout},
		{false, "exit_error", CategoryExitError},
		{false, "exception", CategoryException},
		{false, "", CategoryOther},
		{false, "unknown", CategoryOther},
		{false, "other", CategoryOther},
		{false, "success", CategoryOther},
		{false, "Timeout", CategoryOther},
		{false, "rate_limit", CategoryOther},
	}
	for _, tt := range tests {
		if got := Categorize(tt.success, tt.typ); got != tt.want {
			t.Errorf("Categorize(%v, %q) = %q, want %q", tt.success, tt.typ, got, tt.want)
		}
	}
	seen := map[Category]bool{}
	for _, c := range Categories {
		seen[c] = true
	}
	for _, tt := range tests {
		if !seen[tt.want] {
			t.Errorf("%q is not in Categories", tt.want)
		}
	}
}
