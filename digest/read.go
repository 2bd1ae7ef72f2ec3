// Package digest sums up a task's last runs for the next one: outcome,
// why a failed run failed, duration, tokens and the end of its result,
// bounded to a token budget. `ccq digest` prints it; `ccq launch` with
// feedback appends it to the prompt. It reads the history from its end, so
// its cost does not grow with the history.
package digest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/jsonw"
	"github.com/ccq-dev/ccq/internal/regfile"
)

// blockSize is what one backward read takes.
const blockSize = 64 << 10

// MaxScan bounds the bytes read backwards looking for a task's runs: a
// task whose last runs are further back than this (a rare task in a busy
// history) gets the runs found within it.
const MaxScan = 32 << 20

// maxLine bounds one history line (the readers' limit).
const maxLine = 1 << 20

// Run is one past run as the digest tells it.
type Run struct {
	RunID     string  `json:"run_id,omitempty"`
	Timestamp string  `json:"timestamp"`
	Success   bool    `json:"success"`
	ErrorType string  `json:"error_type,omitempty"`
	Detail    string  `json:"error_detail,omitempty"`
	DurationS float64 `json:"duration_s"`
	Tokens    int64   `json:"tokens"`
	// ClientSuccess: claude succeeded but the task's checks failed.
	ClientSuccess bool   `json:"client_success,omitempty"`
	ResultTail    string `json:"result_tail,omitempty"`
	Attempt       int64  `json:"attempt,omitempty"`
}

// ReadFile returns the last n runs of task in the history at path, newest
// first. A history that does not exist holds no runs.
func ReadFile(path, task string, n int) ([]Run, error) {
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
	return Read(f, st.Size(), task, n)
}

// Read returns the last n runs of task in the history r of size bytes,
// newest first, reading blocks from the end until it has n of them or has
// read MaxScan bytes. A torn or malformed line is skipped.
func Read(r io.ReaderAt, size int64, task string, n int) ([]Run, error) {
	if n <= 0 {
		return nil, nil
	}
	needle := jsonw.String(nil, task) // as ccq writes task_id (no encoding/json on a launch)
	var runs []Run
	var carry []byte // the start of a line whose beginning is further back
	pos, scanned := size, int64(0)
	buf := make([]byte, blockSize)
	for pos > 0 && scanned < MaxScan && len(runs) < n {
		k := min(int64(blockSize), pos)
		pos -= k
		if _, err := r.ReadAt(buf[:k], pos); err != nil && err != io.EOF {
			return runs, err
		}
		scanned += k
		chunk := append(append([]byte(nil), buf[:k]...), carry...)
		// Every full line of chunk but the first (which may start further
		// back), newest first.
		for len(runs) < n {
			i := bytes.LastIndexByte(bytes.TrimRight(chunk, "\n"), '\n')
			if i < 0 {
				break
			}
			if run, ok := parse(chunk[i+1:], task, needle); ok {
				runs = append(runs, run)
			}
			chunk = chunk[:i+1]
		}
		carry = chunk
		if len(carry) > maxLine {
			carry = nil // a line longer than any ccq writes: skip it
		}
	}
	if pos == 0 && len(runs) < n {
		if run, ok := parse(carry, task, needle); ok {
			runs = append(runs, run)
		}
	}
	return runs, nil
}

// parse reads line as a run of task; false for another task's line or one
// that is not valid.
func parse(line []byte, task string, needle []byte) (Run, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return Run{}, false
	}
	// Cheap test first: most lines of a busy history are other tasks'.
	if !bytes.Contains(line, needle) && string(needle) == `"`+task+`"` {
		return Run{}, false
	}
	if !gjson.ValidBytes(line) {
		return Run{}, false
	}
	f := gjson.GetManyBytes(line, "task_id", "success", "error_type", "error_detail", "duration_s", "tokens",
		"timestamp", "run_id", "client_success", "result_tail", "attempt")
	if f[0].Str != task || f[1].Type != gjson.True && f[1].Type != gjson.False {
		return Run{}, false
	}
	return Run{
		Success: f[1].Bool(), ErrorType: f[2].Str, Detail: f[3].Str, DurationS: f[4].Float(), Tokens: f[5].Int(),
		Timestamp: f[6].Str, RunID: f[7].Str, ClientSuccess: f[8].Bool(), ResultTail: f[9].Str, Attempt: f[10].Int(),
	}, true
}
