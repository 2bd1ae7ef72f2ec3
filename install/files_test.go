package install

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const otherSettings = "{\n  \"model\": \"sonnet\",\n  \"env\": {\n    \"SECRET\": \"s3cr3t\"\n  }\n}\n"

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// halfReader gives the first half of its content, then fails (or stalls).
type halfReader struct {
	b     []byte
	done  bool
	stall bool
}

func (r *halfReader) Read(p []byte) (int, error) {
	if !r.done {
		r.done = true
		return copy(p, r.b[:len(r.b)/2]), nil
	}
	if r.stall {
		select {} // until killed
	}
	return 0, errors.New("injected: disk full")
}

// TestWriteFailure injects a failure in the middle of writing the new
// settings: the old file must be intact, with no temporary file left over.
func TestWriteFailure(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(p, []byte(otherSettings), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(r func([]byte) io.Reader) { contentReader = r }(contentReader)
	contentReader = func(b []byte) io.Reader { return &halfReader{b: b} }

	_, err := Install(p, goldenCommand, Options{})
	if err == nil || !strings.Contains(err.Error(), "injected: disk full") {
		t.Fatalf("err %v", err)
	}
	if got := mustRead(t, p); got != otherSettings {
		t.Fatalf("settings changed:\n%s", got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "settings.json settings.json"+BackupSuffix {
		t.Errorf("folder holds %v", names)
	}
}

const crashHelperEnv = "CCQ_INSTALL_CRASH_HELPER"

// TestCrashHelper is the child process of TestKilledMidWrite: an install
// that stalls after writing half of the new settings.
func TestCrashHelper(t *testing.T) {
	p := os.Getenv(crashHelperEnv)
	if p == "" {
		t.Skip("helper process only")
	}
	contentReader = func(b []byte) io.Reader { return &halfReader{b: b, stall: true} }
	_, err := Install(p, goldenCommand, Options{})
	t.Log(err)
	t.Fatal("install finished; it should have stalled")
}

// TestKilledMidWrite kills a real install process (SIGKILL, no chance to
// clean up) while half of the new settings is on disk: the settings file
// must still hold the old content, and the next install must work.
func TestKilledMidWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(p, []byte(otherSettings), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+p)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the temporary file to hold part of the new content.
	var partial string
	for deadline := time.Now().Add(30 * time.Second); partial == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			name := e.Name()
			if name == "settings.json" || strings.HasSuffix(name, BackupSuffix) || strings.HasPrefix(name, "settings.json"+BackupSuffix) {
				continue
			}
			if b, _ := os.ReadFile(filepath.Join(dir, name)); len(b) > 0 {
				partial = name
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	werr := cmd.Wait()
	if partial == "" {
		t.Fatalf("no partial write seen (child: %v)\n%s", werr, stderr.String())
	}
	if got := mustRead(t, p); got != otherSettings {
		t.Fatalf("settings after the kill:\n%s", got)
	}
	if got := mustRead(t, p+BackupSuffix); got != otherSettings {
		t.Errorf("backup after the kill:\n%s", got)
	}
	// The stale temporary file does not stop the next install.
	if _, err := Install(p, goldenCommand, Options{}); err != nil {
		t.Fatalf("install after the kill: %v", err)
	}
	if _, err := parseSettings(p, []byte(mustRead(t, p))); err != nil {
		t.Fatal(err)
	}
}
