package stats

import (
	"bufio"
	"errors"
	"os"

	"github.com/tidwall/gjson"
)

// SkipCounts are the skipped launches a skips file holds (ccq launch
// writes one JSON line, with task_id and timestamp, per launch that
// started nothing because another run of the task held its lock).
type SkipCounts struct {
	Tasks     map[string]int64 // per task, those that pass the filter
	Total     int64            // all that pass the filter
	Malformed int              // lines that are not a skip
	// FirstMalformed is the 1-based line number of the first, 0 if none.
	FirstMalformed int
}

// CountSkips counts the skips in the file at path that pass f: by task
// and, when f has Since or Until, by time (a skip without a readable
// timestamp passes only when neither is set). FailedOnly does not apply:
// a skip is not a run. A file that does not exist holds none.
func CountSkips(path string, f Filter) (SkipCounts, error) {
	sc := SkipCounts{Tasks: map[string]int64{}}
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return sc, nil
	}
	if err != nil {
		return sc, err
	}
	defer file.Close()
	s := bufio.NewScanner(file)
	s.Buffer(make([]byte, 0, 64<<10), MaxLine)
	n := 0
	match := map[string]bool{}
	for s.Scan() {
		n++
		line := trimCR(s.Bytes())
		if isBlank(line) {
			continue
		}
		res := gjson.GetManyBytes(line, "task_id", "timestamp")
		if !gjson.ValidBytes(line) || len(line) == 0 || line[0] != '{' || res[0].Type != gjson.String {
			sc.Malformed++
			if sc.FirstMalformed == 0 {
				sc.FirstMalformed = n
			}
			continue
		}
		task := res[0].Str
		if task == "" {
			task = string(unnamed)
		}
		var r Record
		if res[1].Type == gjson.String {
			r.TSMs, r.HasTS = ParseTimestamp([]byte(res[1].Str))
		}
		m, ok := match[task]
		if !ok {
			m = f.MatchTask(task)
			match[task] = m
		}
		if !m || !f.timeOK(&r) {
			continue
		}
		sc.Tasks[task]++
		sc.Total++
	}
	if err := s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			// A line over MaxLine: count it and stop, as the rest cannot
			// be found without reading it.
			sc.Malformed++
			if sc.FirstMalformed == 0 {
				sc.FirstMalformed = n + 1
			}
			return sc, nil
		}
		return sc, err
	}
	return sc, nil
}

// AddSkips puts sc's counts in the report: each task's in its figures,
// and all of them in the overall figures (a task with skips but no run in
// the report counts there only). They change no other figure.
func (r *Report) AddSkips(sc SkipCounts) {
	for i := range r.Tasks {
		r.Tasks[i].SkippedLaunches = sc.Tasks[r.Tasks[i].TaskID]
	}
	r.Overall.SkippedLaunches = sc.Total
}
