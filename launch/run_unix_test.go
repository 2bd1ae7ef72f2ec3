//go:build unix

package launch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
)

// TestRunEscapedGrandchild: a tool that moved to a session of its own (as
// Claude Code's Bash tool does) and ignores SIGTERM is still ended.
func TestRunEscapedGrandchild(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil || runtime.GOOS != "linux" {
		t.Skip("needs setsid and /proc")
	}
	r := newRunEnv(t)
	script := filepath.Join(r.dir, "escaper.sh")
	// The stand-in exits once its escaped grandchild has noted its pid and
	// become the sleep (a process halfway through exec shows no
	// environment yet).
	writeFile(t, script, "#!/bin/sh\nsetsid sh -c 'trap \"\" TERM; echo $$ > \"$STANDIN_GRANDCHILD.new\"; mv \"$STANDIN_GRANDCHILD.new\" \"$STANDIN_GRANDCHILD\"; exec sleep 300' </dev/null >/dev/null 2>&1 &\n"+
		"while [ ! -s \"$STANDIN_GRANDCHILD\" ]; do sleep 0.01; done\ngc=$(cat \"$STANDIN_GRANDCHILD\")\n"+
		"while [ \"$(cat /proc/$gc/comm 2>/dev/null)\" != sleep ] || ! grep -q CCQ_RUN_ID /proc/$gc/environ 2>/dev/null; do sleep 0.01; done\nexit 0\n", 0o755)
	o := r.opts(script)
	o.Grace = 300 * time.Millisecond
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if !e.Success {
		t.Errorf("entry %+v", e)
	}
	b, _ := os.ReadFile(r.env["STANDIN_GRANDCHILD"])
	gc, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if gc == 0 {
		t.Fatalf("no grandchild pid: %q", b)
	}
	if proc.Alive(gc, 0) {
		t.Errorf("escaped grandchild %d survived", gc)
		syscall.Kill(gc, syscall.SIGKILL)
	}
}
