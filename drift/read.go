package drift

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"sort"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/internal/regfile"
)

// TailBytes bounds what ReadTail reads: the end of the history, where the
// recent runs are.
const TailBytes = 16 << 20

// MaxRuns bounds the runs kept per task, the newest.
const MaxRuns = 400

// ReadTail reads the last TailBytes of the history at path and returns
// each task's runs, oldest first, at most MaxRuns each. keep, if set,
// selects the tasks.
func ReadTail(path string, keep func(task string) bool) (map[string][]Run, error) {
	f, err := regfile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(0, st.Size()-TailBytes)
	sc := bufio.NewScanner(io.NewSectionReader(f, off, st.Size()-off))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	first := off > 0 // the first line read may be cut
	out := map[string][]Run{}
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			first = false
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 || !gjson.ValidBytes(line) {
			continue
		}
		f := gjson.GetManyBytes(line, "task_id", "success", "duration_s", "tokens", "timestamp")
		task := f[0].Str
		if keep != nil && !keep(task) {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f[4].Str)
		if err != nil {
			continue
		}
		out[task] = append(out[task], Run{Start: t, Success: f[1].Bool(), DurationS: f[2].Float(), Tokens: f[3].Int(), FP: fingerprint.FromLine(line)})
	}
	for task, runs := range out {
		sort.SliceStable(runs, func(i, j int) bool { return runs[i].Start.Before(runs[j].Start) })
		if len(runs) > MaxRuns {
			runs = runs[len(runs)-MaxRuns:]
		}
		out[task] = runs
	}
	return out, sc.Err()
}
