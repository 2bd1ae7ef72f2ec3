package verify

import (
	"fmt"
	"sync"
)

// maxKeep bounds what is kept of one command's output: its first and last
// maxKeep/2 bytes. A command that prints megabytes costs no memory.
const maxKeep = 16 << 10

// bounded keeps the head and tail of what is written to it.
type bounded struct {
	mu      sync.Mutex
	half    int
	head    []byte
	ring    []byte // the last half bytes, circular once full
	pos     int
	total   int64
	wrapped bool
}

func newBounded(n int) *bounded { return &bounded{half: n / 2} }

func (b *bounded) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	b.total += int64(n)
	if room := b.half - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		if len(b.ring) < b.half {
			k := min(b.half-len(b.ring), len(p))
			b.ring = append(b.ring, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(b.ring[b.pos:], p)
		b.pos = (b.pos + k) % b.half
		p = p[k:]
		b.wrapped = true
	}
	return n, nil
}

// String is the output kept, with a note of what was left out between the
// head and the tail.
func (b *bounded) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := b.ring
	if b.wrapped {
		tail = append(append([]byte{}, b.ring[b.pos:]...), b.ring[:b.pos]...)
	}
	kept := int64(len(b.head) + len(tail))
	if b.total == kept {
		return string(b.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[… %d bytes left out …]\n%s", b.head, b.total-kept, tail)
}
