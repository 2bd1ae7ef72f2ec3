//go:build unix

package launch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/verify"
)

// TestVerifyBoundedByRunDeadline: claude (the replay stand-in) succeeds
// quickly, then a check with a 5-minute timeout hangs; the run's --deadline
// or timeout cuts it, process group and all, and the line records a
// verify timeout.
func TestVerifyBoundedByRunDeadline(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Settings)
	}{
		{"deadline", func(s *Settings) { s.Deadline = 4 * time.Second }},
		{"timeout", func(s *Settings) { s.Timeout = 4 * time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunEnv(t)
			pidFile := filepath.Join(r.dir, "sleep.pid")
			r.task.Settings.Verify = &verify.Spec{Commands: []string{"sleep 300 & echo $! > " + pidFile + "; echo checking; wait"}, Timeout: 5 * time.Minute}
			o := r.opts(standIn(t, "replay.sh"))
			tc.set(&o.Flags)
			start := time.Now()
			out, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 90*time.Second {
				t.Errorf("took %v: the check ran past the run's end", took)
			}
			e := onlyLine(t, r, out)
			if e.Success || e.ErrorType != recorder.ErrExit || !strings.Contains(e.ErrorDetail, "timed out after") ||
				!strings.Contains(e.ErrorDetail, "(the run's deadline): checking") {
				t.Errorf("entry %+v", e)
			}
			raw, _ := os.ReadFile(recorder.HistoryPath(r.logs))
			if !gjson.GetBytes(raw, recorder.ExtraClientSuccess).Bool() {
				t.Errorf("line without client_success: %s", raw)
			}
			b, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			end := time.Now().Add(10 * time.Second)
			for pid > 0 && syscall.Kill(pid, 0) == nil {
				if time.Now().After(end) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Fatalf("the check's sleep %d outlived the run", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
