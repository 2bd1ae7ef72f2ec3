package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/recorder"
)

// TestREADMECronRecipe runs the README's crontab as cron would: the job's
// command line through /bin/sh, from $HOME, with only the crontab's PATH, HOME
// and SHELL, with /home/me standing for a scratch home. A stand-in claude
// succeeds, then fails: the success must print nothing (cron mails any
// output), the failure a summary, and both land in the project's history.
func TestREADMECronRecipe(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(claudetest.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- the cron recipe[^\n]*\n```crontab\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README: no crontab block after the cron recipe marker")
	}
	var path, command string
	for _, line := range strings.Split(strings.TrimSpace(string(m[1])), "\n") {
		if v, ok := strings.CutPrefix(line, "PATH="); ok {
			path = v
			continue
		}
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("README crontab line %q: want five time fields and a command", line)
		}
		command = strings.Join(f[5:], " ")
	}
	if path == "" || command == "" {
		t.Fatalf("README crontab: PATH %q, command %q", path, command)
	}

	home := t.TempDir()
	sub := func(s string) string { return strings.ReplaceAll(s, "/home/me", home) }
	bin := filepath.Join(home, "go", "bin")
	project := filepath.Join(home, "project")
	for _, d := range []string{bin, filepath.Join(project, "tasks")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	built := claudetest.Build(t, "./cmd/ccq")
	if err := os.Symlink(filepath.Join(built, "ccq"), filepath.Join(bin, "ccq")); err != nil {
		t.Fatal(err)
	}
	// The stand-in claude replays a captured stream and exits with the code
	// in $HOME/exit.
	standIn := "#!/bin/sh\ncat " + filepath.Join(claudetest.RepoRoot(), "launch", "testdata", "stream-tool.jsonl") +
		"\nexit $(cat \"$HOME/exit\")\n"
	if err := os.WriteFile(filepath.Join(bin, "claude"), []byte(standIn), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "tasks", "nightly.md"), []byte("Say hi.\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cron := func(exit string) (stdout, stderr string, err error) {
		if err := os.WriteFile(filepath.Join(home, "exit"), []byte(exit), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("/bin/sh", "-c", sub(command))
		cmd.Dir = home
		cmd.Env = []string{"PATH=" + sub(path), "HOME=" + home, "SHELL=/bin/sh", "LOGNAME=me"}
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}

	if o, e, err := cron("0"); err != nil || o != "" || e != "" {
		t.Errorf("a successful run under cron: %v, stdout %q, stderr %q; want exit 0 and no output", err, o, e)
	}
	o, e, err := cron("3")
	if err == nil || o != "" || !strings.Contains(e, "nightly") {
		t.Errorf("a failed run under cron: %v, stdout %q, stderr %q; want a non-zero exit and a summary on stderr", err, o, e)
	}
	lines := claudetest.History(t, recorder.HistoryPath(filepath.Join(project, "logs", "scheduler")))
	if len(lines) != 2 || lines[0].TaskID != "nightly" || !lines[0].Success || lines[1].Success {
		t.Errorf("history = %+v; want nightly's success, then its failure", lines)
	}
}
