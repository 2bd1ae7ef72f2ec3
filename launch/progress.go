package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ccq-dev/ccq/internal/clamp"
	"github.com/ccq-dev/ccq/recorder"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// startProgress redraws one status line on w until the returned function is
// called, which erases it. With a nil w it does nothing.
func startProgress(w io.Writer, s *Stream, task string, start time.Time) (stop func()) {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			fmt.Fprintf(w, "\r\033[K%s", ProgressLine(task, time.Since(start), s.Snapshot()))
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// ProgressLine is the live status: task, elapsed time, turns, the tool in
// use and the tokens so far.
func ProgressLine(task string, elapsed time.Duration, snap Snapshot) string {
	parts := []string{"ccq: " + task, clock(elapsed)}
	if snap.Turns == 1 {
		parts = append(parts, "1 turn")
	} else {
		parts = append(parts, fmt.Sprintf("%d turns", snap.Turns))
	}
	if snap.Tool != "" {
		parts = append(parts, "running "+recorder.CleanID(snap.Tool))
	} else if snap.Result == nil && snap.SessionID != "" {
		parts = append(parts, "thinking")
	}
	parts = append(parts, humanTokens(snap.Tokens)+" tokens")
	return strings.Join(parts, " · ")
}

func clock(d time.Duration) string {
	s := int(d.Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func humanTokens(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// Summary is the one-line final result printed after a run.
func Summary(e *recorder.Entry) string {
	outcome := "success"
	if !e.Success {
		outcome = string(e.ErrorType)
		if e.ErrorDetail != "" {
			outcome += " (" + e.ErrorDetail + ")"
		}
	}
	s := fmt.Sprintf("ccq: %s %s: %s in %.1fs, %d tokens", e.TaskID, e.RunID, outcome, e.DurationS, e.Tokens)
	if e.CostUSD != nil {
		s += fmt.Sprintf(", $%.4f", *e.CostUSD)
	}
	return s + ", log " + e.LogFile
}

// LogTail returns the last n lines of the session log at path that hold
// something, from at most its last 16 KiB; nil if it cannot be read.
func LogTail(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	const window = 16 << 10
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	off := max(st.Size()-window, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	lines := strings.Split(strings.ToValidUTF8(string(b), "\uFFFD"), "\n")
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // cut mid-line
	}
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimRight(lines[i], " \t\r"); strings.TrimSpace(l) != "" {
			out = append(out, clamp.String(l, 300))
		}
	}
	slices.Reverse(out)
	return out
}
