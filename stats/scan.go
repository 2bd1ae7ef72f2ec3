package stats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// MaxLine bounds one history line, as the recorder does: a longer line is
// skipped as malformed without being held in memory.
const MaxLine = 1 << 20

// Variables only so that tests can cut tiny files into many segments.
var (
	chunkSize   = 1 << 20        // bytes per read
	segmentSize = int64(4 << 20) // bytes per unit of work handed to a goroutine
)

// Sink receives the well-formed lines one goroutine reads. off is the byte
// offset of the line in the file, which orders lines across goroutines.
// line and the slices in r are only valid during the call.
type Sink interface {
	Add(r *Record, line []byte, off int64)
}

// segmentStarter is a Sink told when its goroutine moves to another
// segment: the lines it read last may go on in a segment another
// goroutine reads.
type segmentStarter interface {
	startSegment()
}

// Counts says what a scan read and skipped.
type Counts struct {
	Lines        int   // non-blank lines read
	Skipped      int   // malformed or torn lines skipped
	FirstSkipped int   // 1-based line number of the first skipped line, 0 if none
	Bytes        int64 // size of the file read

	physical int // lines including blank ones, for line numbers across scans
}

// Scan streams the history file at path through sinks, one per goroutine,
// and returns them for the caller to merge. The file is cut into segments
// on line boundaries and read in 1 MB chunks by up to workers goroutines
// (GOMAXPROCS when workers <= 0), so memory stays at a few MB whatever the
// file's size. A file that does not exist is empty.
func Scan[S Sink](path string, workers int, newSink func() S) ([]S, Counts, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, Counts{}, nil
	}
	if err != nil {
		return nil, Counts{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, Counts{}, err
	}
	return ScanReaderAt(f, st.Size(), workers, newSink)
}

type segResult struct {
	lines, blank, skipped int
	firstSkipped          int // 1-based within the segment, 0 if none
	err                   error
}

// ScanReaderAt is Scan over size bytes of r.
func ScanReaderAt[S Sink](r io.ReaderAt, size int64, workers int, newSink func() S) ([]S, Counts, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nseg := int((size + segmentSize - 1) / segmentSize)
	if nseg == 0 {
		return nil, Counts{Bytes: size}, nil
	}
	if workers > nseg {
		workers = nseg
	}
	// A short read (the lines appended since the summary cache) gets a
	// small buffer, read into many times: a fresh process pays a page
	// fault for every 4 KiB of buffer it fills. Lines longer than it grow
	// it, as they grow a chunk.
	bufSize := chunkSize
	if size <= segmentSize {
		bufSize = min(chunkSize, 64<<10)
	}
	results := make([]segResult, nseg)
	sinks := make([]S, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		sinks[w] = newSink()
		wg.Add(1)
		go func(s S) {
			defer wg.Done()
			it := lineIter{r: r, size: size, buf: make([]byte, bufSize)}
			var rec Record
			for {
				i := int(next.Add(1) - 1)
				if i >= nseg {
					return
				}
				start := int64(i) * segmentSize
				end := min(start+segmentSize, size)
				if ss, ok := any(s).(segmentStarter); ok {
					ss.startSegment()
				}
				results[i] = scanSegment(&it, start, end, s, &rec)
			}
		}(sinks[w])
	}
	wg.Wait()
	var c Counts
	c.Bytes = size
	lineBase := 0
	for _, res := range results {
		if res.err != nil {
			return nil, c, res.err
		}
		c.Lines += res.lines - res.blank
		c.Skipped += res.skipped
		if c.FirstSkipped == 0 && res.firstSkipped != 0 {
			c.FirstSkipped = lineBase + res.firstSkipped
		}
		lineBase += res.lines
	}
	c.physical = lineBase
	return sinks, c, nil
}

// scanSegment handles the lines that start in [start, end).
func scanSegment[S Sink](it *lineIter, start, end int64, s S, rec *Record) segResult {
	var res segResult
	if start > 0 {
		// Begin one byte early and drop the first line: it is the tail of a
		// line owned by the previous segment, or empty when a line starts
		// exactly at start.
		it.reset(start - 1)
		if _, _, _, ok, err := it.next(); !ok || err != nil {
			res.err = err
			return res
		}
	} else {
		it.reset(0)
	}
	for {
		line, off, long, ok, err := it.next()
		if err != nil {
			res.err = err
			return res
		}
		if !ok || off >= end {
			return res
		}
		res.lines++
		if !long && len(line) <= MaxLine {
			line = trimCR(line)
			if len(line) == 0 || isBlank(line) {
				res.blank++
				continue
			}
			if ParseLine(line, rec) {
				s.Add(rec, line, off)
				continue
			}
		}
		res.skipped++
		if res.firstSkipped == 0 {
			res.firstSkipped = res.lines
		}
	}
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

func isBlank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// lineIter returns the lines of a file from an offset, reading in chunks.
type lineIter struct {
	r      io.ReaderAt
	size   int64
	buf    []byte
	off    int64 // file offset of buf[0]
	lo, hi int   // unread data is buf[lo:hi]
	eof    bool
}

func (it *lineIter) reset(off int64) {
	it.off, it.lo, it.hi, it.eof = off, 0, 0, off >= it.size
}

// next returns the next line without its newline and the offset where it
// starts. long is set, and line is nil, for a line over MaxLine.
func (it *lineIter) next() (line []byte, off int64, long, ok bool, err error) {
	discarding := false
	var discardStart int64
	for {
		if j := bytes.IndexByte(it.buf[it.lo:it.hi], '\n'); j >= 0 {
			start := it.off + int64(it.lo)
			line = it.buf[it.lo : it.lo+j]
			it.lo += j + 1
			if discarding {
				return nil, discardStart, true, true, nil
			}
			return line, start, false, true, nil
		}
		if it.eof {
			if discarding {
				it.lo = it.hi
				return nil, discardStart, true, true, nil
			}
			if it.lo < it.hi {
				start := it.off + int64(it.lo)
				line = it.buf[it.lo:it.hi]
				it.lo = it.hi
				return line, start, false, true, nil
			}
			return nil, 0, false, false, nil
		}
		// Keep the partial line and read more behind it.
		if it.lo > 0 {
			copy(it.buf, it.buf[it.lo:it.hi])
			it.off += int64(it.lo)
			it.hi -= it.lo
			it.lo = 0
		}
		if it.hi == len(it.buf) {
			if len(it.buf) < MaxLine+chunkSize {
				nb := make([]byte, 2*len(it.buf))
				copy(nb, it.buf[:it.hi])
				it.buf = nb
			} else {
				// Over MaxLine: forget what we have and skip to the newline.
				if !discarding {
					discarding, discardStart = true, it.off
				}
				it.off += int64(it.hi)
				it.hi = 0
			}
		}
		want := min(int64(len(it.buf)-it.hi), it.size-(it.off+int64(it.hi)))
		n, rerr := it.r.ReadAt(it.buf[it.hi:it.hi+int(want)], it.off+int64(it.hi))
		it.hi += n
		if it.off+int64(it.hi) >= it.size {
			it.eof = true
		} else if rerr != nil && rerr != io.EOF {
			return nil, 0, false, false, fmt.Errorf("read history: %w", rerr)
		} else if n == 0 {
			it.eof = true // the file shrank under us
		}
	}
}
