package launch

import (
	"math/rand/v2"

	"time"
)

// crockford is Crockford's base32 alphabet in lower case: no i, l, o or u,
// so ids read aloud and typed back survive, and every character is safe in
// a file name. Its characters sort in the same order as their values.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewRunID returns a run id of 16 characters: 10 encode the start time in
// milliseconds (good until the year 37000), 6 hold 30 random bits. Ids sort
// by start time, as strings and as file names; runs started in the same
// millisecond differ in their random part (two of twenty such runs collide
// with a chance of about one in five million).
func NewRunID(t time.Time) string {
	// math/rand/v2's generator is seeded from the system's randomness at
	// start; crypto/rand would add its own start-up cost for nothing.
	ms := uint64(t.UnixMilli())
	r := rand.Uint64() >> 34
	var b [16]byte
	for i := 15; i >= 10; i-- { // 30 random bits
		b[i] = crockford[r&31]
		r >>= 5
	}
	for i := 9; i >= 0; i-- { // 50 bits of milliseconds
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	return string(b[:])
}
