package idhash

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Golden values: the derivation must not change within a release line,
// or the launcher's TRACEPARENT and ping_rid stop matching what
// ccq-helper sends. A change here is a deliberate, noted one.
func TestGolden(t *testing.T) {
	if got, want := RunUUID("01m8a2bv7jvqs457"), "b2c00257-0e4c-81e5-ad01-69d6ab75924a"; got != want {
		t.Errorf("RunUUID changed: %s, was %s", got, want)
	}
	if got, want := TraceParent("01m8a2bv7jvqs457"), "00-ada3909e4a0e4578b0422752ab7c3efa-d3b4f0d2c10adf87-01"; got != want {
		t.Errorf("TraceParent changed: %s, was %s", got, want)
	}
}

// Any run id gets a well-formed RFC 9562 version-8 UUID and traceparent;
// two run ids differing anywhere get different ids.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"20261204T020000Z-ab12", "x", "ü", strings.Repeat("r", 300), "\x00"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" {
			if RunUUID(a) != "" || TraceParent(a) != "" {
				t.Fatal(`"" gets an id`)
			}
			return
		}
		u, err := uuid.Parse(RunUUID(a))
		if err != nil || u.Version() != 8 || u.Variant() != uuid.RFC4122 || u.String() != RunUUID(a) {
			t.Fatalf("RunUUID(%q) = %s: version %d, variant %v, %v", a, RunUUID(a), u.Version(), u.Variant(), err)
		}
		p := strings.Split(TraceParent(a), "-")
		if len(p) != 4 || p[0] != "00" || len(p[1]) != 32 || len(p[2]) != 16 || p[3] != "01" ||
			p[1] == strings.Repeat("0", 32) || p[2] == strings.Repeat("0", 16) {
			t.Fatalf("TraceParent(%q) = %q", a, TraceParent(a))
		}
		if b != a && b != "" && (RunUUID(a) == RunUUID(b) || TraceParent(a) == TraceParent(b)) {
			t.Fatalf("%q and %q share an id", a, b)
		}
	})
}

// Flipping one bit of the run id flips about half of the hash's bits,
// in both halves: the finaliser mixes what FNV alone would not.
func TestAvalanche(t *testing.T) {
	base := []byte("01m8a2bv7jvqs457")
	h0 := Sum("d", string(base))
	for i := range base {
		for bit := range 8 {
			m := append([]byte(nil), base...)
			m[i] ^= 1 << bit
			h := Sum("d", string(m))
			for half := 0; half < 16; half += 8 {
				n := 0
				for j := half; j < half+8; j++ {
					for x := h[j] ^ h0[j]; x != 0; x &= x - 1 {
						n++
					}
				}
				if n < 12 || n > 52 {
					t.Errorf("byte %d bit %d: %d of 64 bits of half %d changed", i, bit, n, half/8)
				}
			}
		}
	}
}
