package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/ccq-dev/ccq/recorder"
)

// maxHistoryScan is how much of the history's end LastOutcome reads: at
// a few hundred bytes a line, thousands of runs back.
const maxHistoryScan = 4 << 20

// historyChunk is how much LastOutcome reads at a time.
const historyChunk = 64 << 10

// LastOutcome reads the history file at path backwards from its end and
// returns whether the last run of task other than the run excludeRunID
// succeeded. found is false when no such run is in the last 4 MiB, or the
// file does not exist. Malformed and torn lines are skipped, as every
// history reader does.
//
// excludeRunID is there because the launcher tells its sinks about a run
// after writing the run's own line.
func LastOutcome(path, task, excludeRunID string) (success, found bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, false, err
	}
	if !fi.Mode().IsRegular() {
		return false, false, errors.New(path + ": not a regular file")
	}
	want := recorder.CleanID(task)
	match := func(line []byte) (success, ok bool) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] != '{' {
			return false, false
		}
		var e struct {
			TaskID  string `json:"task_id"`
			Success *bool  `json:"success"`
			RunID   string `json:"run_id"`
		}
		if json.Unmarshal(line, &e) != nil || e.Success == nil {
			return false, false
		}
		if e.TaskID != task && e.TaskID != want || excludeRunID != "" && e.RunID == excludeRunID {
			return false, false
		}
		return *e.Success, true
	}
	pos := fi.Size()
	var carry []byte // the start of a line whose beginning is further back
	scanned := int64(0)
	for pos > 0 && scanned < maxHistoryScan {
		n := min(int64(historyChunk), pos, maxHistoryScan-scanned)
		pos -= n
		scanned += n
		buf := make([]byte, n, n+int64(len(carry)))
		if _, err := f.ReadAt(buf, pos); err != nil && err != io.EOF {
			return false, false, err
		}
		data := append(buf, carry...)
		for {
			i := bytes.LastIndexByte(data, '\n')
			if i < 0 {
				break
			}
			if s, ok := match(data[i+1:]); ok {
				return s, true, nil
			}
			data = data[:i]
		}
		carry = data
	}
	if pos == 0 {
		if s, ok := match(carry); ok {
			return s, true, nil
		}
	}
	return false, false, nil
}
