package fingerprint

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) string {
	return filepath.Join("..", "testdata", "claude-code-2.1.328", name)
}

// TestFromStreamAndTranscript: the client's version, tools and models from
// captured 2.1.328 output.
func TestFromStreamAndTranscript(t *testing.T) {
	b, err := os.ReadFile(fixture(t, "stream-json-schema.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	fp := FP{}
	fp.AddInit([]byte(strings.SplitN(string(b), "\n", 2)[0]))
	if fp[PartClaude] != "2.1.328" || len(fp[PartTools]) != 8 || fp[PartMCP] != "" {
		t.Errorf("from init: %v", fp)
	}
	fp.AddInit([]byte(`{"type":"system","subtype":"init","mcp_servers":[{"name":"github","status":"connected"},{"name":"db","status":"failed"}]}`))
	if fp[PartMCP] != "db,github" {
		t.Errorf("mcp %q", fp[PartMCP])
	}
	f, err := os.Open(fixture(t, "transcript.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := FP{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		tr.AddTranscriptLine(sc.Bytes())
	}
	if tr[PartClaude] != "2.1.328" || tr[PartModels] == "" {
		t.Errorf("from transcript: %v", tr)
	}
	tr.AddModels("claude-sonnet-5", "<synthetic>", tr[PartModels])
	if !strings.HasSuffix(tr[PartModels], ",claude-sonnet-5") || strings.Count(tr[PartModels], ",") != 1 {
		t.Errorf("fallback: %q", tr[PartModels])
	}
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func needGit(t testing.TB) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed")
		}
		t.Skip("install git")
	}
}

func TestGit(t *testing.T) {
	needGit(t)
	if got := Compute(Start{Dir: t.TempDir(), Git: true})[PartGit]; got != None {
		t.Errorf("outside a repository: %q", got)
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	if got := Compute(Start{Dir: repo, Git: true})[PartGit]; got != "" {
		t.Errorf("empty repository: %q", got)
	}
	os.WriteFile(filepath.Join(repo, "a.txt"), []byte("a\n"), 0o644)
	os.MkdirAll(filepath.Join(repo, "sub"), 0o755)
	git(t, repo, "add", "a.txt")
	git(t, repo, "commit", "-qm", "one")
	head := git(t, repo, "rev-parse", "HEAD")
	sub := filepath.Join(repo, "sub")
	if got := Compute(Start{Dir: sub, Git: true})[PartGit]; got != head[:12] {
		t.Errorf("clean: %q, want %q", got, head[:12])
	}
	os.WriteFile(filepath.Join(repo, "untracked.txt"), []byte("u\n"), 0o644)
	if got := Compute(Start{Dir: sub, Git: true})[PartGit]; got != head[:12] {
		t.Errorf("untracked file: %q", got)
	}
	os.WriteFile(filepath.Join(repo, "a.txt"), []byte("changed\n"), 0o644)
	if got := Compute(Start{Dir: repo, Git: true})[PartGit]; got != head[:12]+"+dirty" {
		t.Errorf("dirty: %q", got)
	}
	if got := Compute(Start{Dir: repo, Git: false})[PartGit]; got != head[:12]+DirtyUnknown {
		t.Errorf("without git status: %q", got)
	}
	git(t, repo, "pack-refs", "--all", "--prune")
	if _, err := os.Stat(filepath.Join(repo, ".git", "refs", "heads", "main")); err == nil {
		t.Fatal("ref still loose")
	}
	if got := headCommit(repo); got != head {
		t.Errorf("packed: %q", got)
	}
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, repo, "worktree", "add", "-q", "-b", "other", wt)
	os.WriteFile(filepath.Join(wt, "b.txt"), []byte("b\n"), 0o644)
	git(t, wt, "add", "b.txt")
	git(t, wt, "commit", "-qm", "two")
	if got, want := headCommit(wt), git(t, wt, "rev-parse", "HEAD"); got != want {
		t.Errorf("worktree: %q, want %q", got, want)
	}
	git(t, repo, "checkout", "-q", "--detach", head)
	if got := headCommit(repo); got != head {
		t.Errorf("detached: %q", got)
	}
}

func TestConfigFiles(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	dir := filepath.Join(proj, "a", "b")
	os.MkdirAll(filepath.Join(dir, ".claude"), 0o755)
	base := Compute(Start{Dir: dir, Home: home, Prompt: "p"})
	if base[PartMemory] != None || base[PartPrompt] != Hash([]byte("p")) || base[PartHost] == "" {
		t.Errorf("fingerprint %v", base)
	}
	prev := base
	for _, f := range []string{
		filepath.Join(home, ".claude", "CLAUDE.md"),
		filepath.Join(proj, "CLAUDE.md"),
		filepath.Join(dir, "CLAUDE.local.md"),
		filepath.Join(dir, ".claude", "CLAUDE.md"),
	} {
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, []byte("rules\n"), 0o644)
		fp := Compute(Start{Dir: dir, Home: home, Prompt: "p"})
		if fp[PartMemory] == prev[PartMemory] || fp[PartSettings] != prev[PartSettings] {
			t.Errorf("%s: memory %q → %q", f, prev[PartMemory], fp[PartMemory])
		}
		prev = fp
	}
	for _, f := range []string{filepath.Join(home, ".claude", "settings.json"), filepath.Join(dir, ".claude", "settings.local.json")} {
		os.WriteFile(f, []byte(`{"model":"x"}`), 0o644)
		fp := Compute(Start{Dir: dir, Home: home, Prompt: "p"})
		if fp[PartSettings] == prev[PartSettings] || fp[PartMemory] != prev[PartMemory] {
			t.Errorf("%s: settings %q → %q", f, prev[PartSettings], fp[PartSettings])
		}
		prev = fp
	}
}

func TestFromLine(t *testing.T) {
	fp := FromLine([]byte(`{"task_id":"a","fp":{"claude":"2.1.328","git":"none","x":3}}`))
	if len(fp) != 2 || fp[PartClaude] != "2.1.328" || fp[PartGit] != None {
		t.Errorf("%v", fp)
	}
	if FromLine([]byte(`{"task_id":"a"}`)) != nil {
		t.Error("fingerprint from a line without one")
	}
}

// BenchmarkCompute measures what a launch pays, in this repository (git
// status included).
func BenchmarkCompute(b *testing.B) {
	home, _ := os.UserHomeDir()
	wd, _ := os.Getwd()
	for i := 0; i < b.N; i++ {
		Compute(Start{Dir: wd, Home: home, Prompt: "Say hi.", Git: true})
	}
}

func BenchmarkComputeNoGit(b *testing.B) {
	home, _ := os.UserHomeDir()
	wd, _ := os.Getwd()
	for i := 0; i < b.N; i++ {
		Compute(Start{Dir: wd, Home: home, Prompt: "Say hi."})
	}
}
