//go:build unix

package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIncludeArchivesSignal: SIGINT or SIGTERM to a real `ccq stats
// --include-archives` while it reads its copy of the history and archives
// removes the copy (47 MB–2.8 GB of them were left in the temporary
// directory) and exits 128+n.
func TestIncludeArchivesSignal(t *testing.T) {
	ccq, err := exec.LookPath("ccq") // the test binary as ccq (testscript.Main)
	if err != nil {
		t.Skip("no ccq on PATH")
	}
	logs := t.TempDir()
	os.Mkdir(filepath.Join(logs, "archive"), 0o700)
	l := `{"task_id":"t","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"2024-01-10T10:00:00.000Z"}` + "\n"
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(l))
	zw.Close()
	if err := os.WriteFile(filepath.Join(logs, "archive", "history-2024-01.jsonl.gz"), zb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// A history large enough that reading it takes a while.
	if err := os.WriteFile(filepath.Join(logs, "history.jsonl"), []byte(strings.Repeat(l, (48<<20)/len(l))), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(ccq, "stats", "--include-archives", "--logs-dir", logs)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "HOME="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { cmd.Process.Kill() })
			// Wait for the copy to be there, then signal.
			for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if m, _ := filepath.Glob(filepath.Join(tmp, "ccq-archives-*", "*")); len(m) > 0 {
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("ccq ended (%v) before its copy was seen: %s", err, stderr.Bytes())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("no copy in the temporary directory after 60s")
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(60 * time.Second):
				t.Fatal("ccq still running 60s after the signal")
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
				t.Errorf("exit %v, want %d; stderr %s", err, 128+int(sig), stderr.Bytes())
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
				t.Errorf("left in the temporary directory: %v", left)
			}
		})
	}
}
