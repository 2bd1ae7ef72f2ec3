//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHookFIFOTranscriptAndDebugLog: a real ccq-hook given a FIFO as the
// transcript, and a FIFO nobody reads as $CCQ_DEBUG_LOG, exits 0 at once
// and still writes the run's line (with estimated tokens); it used to hang
// on either.
func TestHookFIFOTranscriptAndDebugLog(t *testing.T) {
	hook, err := exec.LookPath("ccq-hook") // the test binary as ccq-hook (testscript.Main)
	if err != nil {
		t.Skip("no ccq-hook on PATH")
	}
	dir := t.TempDir()
	transcript, debugLog := filepath.Join(dir, "transcript.jsonl"), filepath.Join(dir, "debug.log")
	for _, p := range []string{transcript, debugLog} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { // let a regressed open go
			if f, err := os.OpenFile(p, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		})
	}
	logs := filepath.Join(dir, "logs")
	env := append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "CCQ_LOGS_DIR="+logs, "CCQ_TASK_ID=t", "CCQ_RUN_ID=r1", "CCQ_DEBUG_LOG="+debugLog)
	for _, event := range []string{
		`{"session_id":"s1","hook_event_name":"Stop","cwd":"` + dir + `","transcript_path":"` + transcript + `"}`,
		`{"session_id":"s1","hook_event_name":"SessionEnd","reason":"other","cwd":"` + dir + `","transcript_path":"` + transcript + `"}`,
	} {
		cmd := exec.Command(hook)
		cmd.Env, cmd.Dir = env, dir
		cmd.Stdin = strings.NewReader(event)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil || out.Len() != 0 {
				t.Errorf("ccq-hook: %v, output %q", err, out.Bytes())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("ccq-hook still running after 30s on %s", event)
		}
	}
	b, err := os.ReadFile(filepath.Join(logs, "history.jsonl"))
	if err != nil || !strings.Contains(string(b), `"run_id":"r1"`) || !strings.Contains(string(b), `"tokens_source":"estimate"`) {
		t.Errorf("history: %s (%v), want the run's line with estimated tokens", b, err)
	}
	for _, p := range []string{transcript, debugLog} {
		if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("%s is no longer a FIFO: %v", p, err)
		}
	}
}
