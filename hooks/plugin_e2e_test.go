package hooks_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

// repoCopy copies the files git tracks (as they are in the working tree)
// into a temporary folder: what a clone of the repository holds, without
// bin/, logs/ or anything else a checkout may have built.
func repoCopy(t *testing.T) string {
	t.Helper()
	root := claudetest.RepoRoot()
	dst := t.TempDir()
	for _, f := range trackedFiles(t, root) {
		src := filepath.Join(root, f)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or a link
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// trackedFiles lists the files git tracks in root or, where root is no git
// checkout (CI tests a copy of the files without .git), every file but
// what a checkout builds or caches.
func trackedFiles(t *testing.T, root string) []string {
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output(); err == nil {
		return strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir() && (rel == ".git" || rel == ".cache" || rel == "bin" || rel == "logs"):
			return filepath.SkipDir
		case d.Type().IsRegular() && rel != "ccq" && rel != "ccq-hook" && !strings.HasSuffix(rel, ".test"):
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// dirSize adds up the sizes of the regular files below dir; it fails the
// test when dir does not exist, so a moved cache cannot pass unmeasured.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("measuring the installed plugin: %v", err)
	}
	return n
}

// goEnv is the test's own Go module and build caches, offline: the plugin
// builds ccq-hook on first use, and the fresh HOME has no caches of its
// own (nor may the test reach the network).
func goEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, k := range []string{"GOMODCACHE", "GOCACHE"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env = append(env, k+"="+strings.TrimSpace(string(out)))
	}
	return append(env, "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOTOOLCHAIN=local")
}

// TestRealClaudeMarketplaceInstall installs the plugin the way a user does,
// in a fresh HOME, from a copy of the repository: `claude plugin marketplace
// add`, `claude plugin install ccq@ccq`, then a `claude -p` run. No build
// step comes in between: the plugin's shim builds ccq-hook on the first
// hook. The unlabelled run gets its history line and its Markdown session
// log with a launcher log's sections.
func TestRealClaudeMarketplaceInstall(t *testing.T) {
	claude := claudetest.Claude(t)
	repo := repoCopy(t)
	home, project := t.TempDir(), t.TempDir()
	srv := fakeapi.Start(t, func(n int, _ []byte) fakeapi.Reply {
		if n == 1 {
			return fakeapi.Reply{Kind: fakeapi.ToolUse, Command: "echo hi"}
		}
		return fakeapi.Reply{Kind: fakeapi.Text, Text: "The command ran; done."}
	})
	env := append(claudetest.Env(home, srv.URL), goEnv(t)...)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(claude, args...)
		cmd.Dir, cmd.Env = project, env
		out, err := cmd.CombinedOutput()
		t.Logf("claude %s: %v\n%s", strings.Join(args, " "), err, out)
		if err != nil {
			t.Fatalf("claude %s failed", strings.Join(args, " "))
		}
		return string(out)
	}
	run("plugin", "validate", repo)
	run("plugin", "marketplace", "add", repo)
	run("plugin", "install", "ccq@ccq")
	// What the install copied into Claude Code's plugin cache: the tracked
	// files only (the tests keep their downloads in the user's cache
	// folder, not in the checkout), a few MB.
	if n := dirSize(t, filepath.Join(home, ".claude", "plugins", "cache")); n > 5<<20 {
		t.Errorf("the installed plugin takes %d bytes, want at most 5 MiB", n)
	} else {
		t.Logf("the installed plugin takes %d bytes", n)
	}

	start := time.Now()
	run("-p", "run echo hi", "--dangerously-skip-permissions")
	t.Logf("first run (building ccq-hook) took %v", time.Since(start))
	if b, err := filepath.Glob(filepath.Join(home, ".claude", "plugins", "data", "*", "build.log")); err == nil && len(b) > 0 {
		if log, _ := os.ReadFile(b[0]); len(log) > 0 {
			t.Logf("build.log:\n%s", log)
		}
	}

	logs := filepath.Join(project, "logs", "scheduler")
	lines := claudetest.History(t, recorder.HistoryPath(logs))
	if len(lines) != 1 {
		t.Fatalf("history has %d lines, want 1", len(lines))
	}
	e := lines[0]
	if !e.Success || e.RecordedBy != recorder.ByHook || e.TaskID != filepath.Base(project) {
		t.Errorf("line %+v", e)
	}
	day := e.Timestamp[:10]
	want := recorder.SessionLogPath(logs, day, e.TaskID, e.RunID)
	if e.LogFile != want {
		t.Errorf("log_file %q, want %q", e.LogFile, want)
	}
	// Extra keys are not decoded into Entry: read the line itself.
	raw, err := os.ReadFile(recorder.HistoryPath(logs))
	if err != nil {
		t.Fatal(err)
	}
	if tp := gjson.GetBytes(raw, "transcript").Str; !strings.HasSuffix(tp, ".jsonl") {
		t.Errorf("transcript extra %q in %s", tp, raw)
	}
	md, err := os.ReadFile(e.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("session log:\n%s", md)
	// The sections of a launcher's log, in order.
	rest := string(md)
	for _, sec := range []string{"# " + e.TaskID + " — run " + e.RunID, "## Prompt", "run echo hi", "## Session",
		"**Tool call:** `Bash`", "echo hi", "Result of `Bash`:", "hi", "**Assistant:**", "The command ran; done.",
		"## Outcome", "| outcome | success |", "| tokens |", "| duration |"} {
		i := strings.Index(rest, sec)
		if i < 0 {
			t.Fatalf("session log lacks %q after what came before", sec)
		}
		rest = rest[i+len(sec):]
	}

	// A second run uses the binary built by the first.
	start = time.Now()
	run("-p", "run echo hi", "--dangerously-skip-permissions")
	t.Logf("second run took %v", time.Since(start))
	if n := len(claudetest.History(t, recorder.HistoryPath(logs))); n != 2 {
		t.Errorf("history has %d lines after the second run, want 2", n)
	}
	var bins bytes.Buffer
	filepath.Walk(filepath.Join(home, ".claude"), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Name() == "ccq-hook" && info.Mode().IsRegular() && strings.Contains(p, string(filepath.Separator)+"data"+string(filepath.Separator)) {
			bins.WriteString(p + "\n")
		}
		return nil
	})
	if strings.Count(bins.String(), "\n") != 1 {
		t.Errorf("built binaries:\n%s", bins.String())
	}
}
