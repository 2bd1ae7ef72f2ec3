package stats

import (
	"bytes"
	"cmp"
	"container/heap"
	"slices"

	"github.com/tidwall/gjson"
)

// Line is one history line kept whole, with where it sits in the file.
type Line struct {
	Raw  []byte // the line as written, without its newline
	TSMs int64  // its timestamp, 0 when unreadable
	Off  int64  // byte offset in the file
}

// newer orders lines by timestamp, then by position in the file.
func newer(a, b *Line) int {
	return cmp.Or(cmp.Compare(a.TSMs, b.TSMs), cmp.Compare(a.Off, b.Off))
}

// lineHeap is a min-heap on newer: the oldest kept line on top.
type lineHeap []*Line

func (h lineHeap) Len() int           { return len(h) }
func (h lineHeap) Less(i, j int) bool { return newer(h[i], h[j]) < 0 }
func (h lineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *lineHeap) Push(x any)        { *h = append(*h, x.(*Line)) }
func (h *lineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type latestSink struct {
	f     *Filter
	n     int
	h     lineHeap
	match map[string]bool
}

func (s *latestSink) Add(r *Record, line []byte, off int64) {
	if !s.f.timeOK(r) || (s.f.FailedOnly && r.Success) {
		return
	}
	m, ok := s.match[string(r.Task)]
	if !ok {
		m = s.f.MatchTask(string(r.Task))
		s.match[string(r.Task)] = m
	}
	if !m {
		return
	}
	l := Line{TSMs: r.TSMs, Off: off}
	if len(s.h) == s.n {
		if newer(&l, s.h[0]) <= 0 {
			return
		}
		heap.Pop(&s.h)
	}
	l.Raw = bytes.Clone(line)
	heap.Push(&s.h, &l)
}

// Latest returns the n newest runs that pass f, newest first, and what the
// scan counted. Newest means the latest timestamp, then the later line.
func Latest(path string, f Filter, n, workers int) ([]*Line, Counts, error) {
	if n <= 0 {
		return nil, Counts{}, nil
	}
	sinks, c, err := Scan(path, workers, func() *latestSink {
		return &latestSink{f: &f, n: n, match: map[string]bool{}}
	})
	if err != nil {
		return nil, c, err
	}
	var all []*Line
	for _, s := range sinks {
		all = append(all, s.h...)
	}
	slices.SortFunc(all, func(a, b *Line) int { return newer(b, a) })
	if len(all) > n {
		all = all[:n]
	}
	return all, c, nil
}

type findSink struct {
	id      []byte
	exact   []*Line
	prefix  []*Line
	prefIDs map[string]bool
}

func (s *findSink) Add(_ *Record, line []byte, off int64) {
	if !bytes.Contains(line, s.id) {
		return
	}
	rid := gjson.GetBytes(line, "run_id")
	if rid.Type != gjson.String || !bytes.HasPrefix([]byte(rid.Str), s.id) {
		return
	}
	l := &Line{Raw: bytes.Clone(line), Off: off}
	if len(rid.Str) == len(s.id) {
		s.exact = append(s.exact, l)
		return
	}
	if len(s.prefIDs) < 10 {
		s.prefIDs[rid.Str] = true
	}
	s.prefix = append(s.prefix, l)
}

// Find returns the history lines of run id, in file order. When no run has
// exactly that id, the lines of the one run whose id starts with it;
// ambiguous lists the ids (up to ten) when several do.
func Find(path, id string, workers int) (lines []*Line, ambiguous []string, c Counts, err error) {
	sinks, c, err := Scan(path, workers, func() *findSink {
		return &findSink{id: []byte(id), prefIDs: map[string]bool{}}
	})
	if err != nil || id == "" {
		return nil, nil, c, err
	}
	var exact, prefix []*Line
	ids := map[string]bool{}
	for _, s := range sinks {
		exact = append(exact, s.exact...)
		prefix = append(prefix, s.prefix...)
		for k := range s.prefIDs {
			ids[k] = true
		}
	}
	byOff := func(a, b *Line) int { return cmp.Compare(a.Off, b.Off) }
	if len(exact) > 0 {
		slices.SortFunc(exact, byOff)
		return exact, nil, c, nil
	}
	if len(ids) > 1 {
		for k := range ids {
			ambiguous = append(ambiguous, k)
		}
		slices.Sort(ambiguous)
		return nil, ambiguous, c, nil
	}
	slices.SortFunc(prefix, byOff)
	return prefix, nil, c, nil
}
