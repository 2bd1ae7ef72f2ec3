package launch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// SkipsFile is the file, in the logs directory, that keeps one line per
// launch that started nothing. The history keeps runs that ran; a skip is
// not one.
const SkipsFile = "skips.jsonl"

// Skip is one line of skips.jsonl.
type Skip struct {
	Task        string `json:"task_id"`
	Timestamp   string `json:"timestamp"`
	Reason      string `json:"reason"`
	HolderPID   int    `json:"holder_pid,omitempty"`
	HolderRunID string `json:"holder_run_id,omitempty"`
}

// SkipsPath is the skips file of a logs directory.
func SkipsPath(logsDir string) string { return filepath.Join(logsDir, SkipsFile) }

// appendSkip adds one line to the skips file, in one write.
func appendSkip(logsDir string, s Skip) error {
	if s.Timestamp == "" {
		s.Timestamp = time.Now().UTC().Format(recorder.TimestampLayout)
	}
	s.Task = recorder.CleanID(s.Task)
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	// The recorder's rules: the logs directory as CheckLogsDir allows,
	// no write through a link planted at skips.jsonl, mode 0600.
	if err := recorder.MkdirNoFollow(logsDir, logsDir); err != nil {
		return err
	}
	f, err := recorder.OpenNoFollow(SkipsPath(logsDir), os.O_APPEND|os.O_CREATE|os.O_WRONLY|syscall.O_NONBLOCK, recorder.FileMode)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
