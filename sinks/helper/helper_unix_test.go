//go:build unix

package helper

import (
	"context"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/launch"
	"github.com/ccq-dev/ccq/recorder"
)

// TestSilentHelperKilled: a helper that does not answer by the sink's
// deadline fails the event, is killed with its whole process group (a
// grandchild included), and every later event fails at once.
func TestSilentHelperKilled(t *testing.T) {
	p := script(t, `read hello
echo '{"v":1,"id":1,"sinks":["a","b"]}'
sleep 60 &
wait
`)
	c, _ := start(t, p, map[string]string{"PATH": os.Getenv("PATH")}, Config{})
	ss := c.Sinks()
	if len(ss) != 2 {
		t.Fatalf("%d sinks", len(ss))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range ss {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Started(ctx, launch.RunInfo{RunID: "r1"}) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("sink %d: no error", i)
		}
	}
	pgid := c.cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the helper's process group outlived the deadline")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t0 := time.Now()
	if err := ss[0].Finished(sinkCtx(t), launch.RunInfo{RunID: "r1"}, recorder.Entry{}); err == nil || time.Since(t0) > time.Second {
		t.Errorf("after the kill: %v after %v", err, time.Since(t0))
	}
}
