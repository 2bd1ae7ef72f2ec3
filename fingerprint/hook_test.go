package fingerprint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

// scanTranscript reads a transcript as ccq-hook does at SessionEnd, with a
// Scan in the visitor chain; it returns the lines the next visitor saw.
func scanTranscript(t testing.TB, path string, s *Scan, next *int) {
	t.Helper()
	s.next = func(string, []byte) { *next++ }
	if _, err := recorder.ReadSessionFunc(path, nil, s.Visit); err != nil {
		t.Fatal(err)
	}
}

// TestHookFromTranscript: a hook line's fingerprint from the captured
// 2.1.328 transcript, in a git repository, with the launcher's values for
// the parts both can know, and every line passed on to the next visitor.
func TestHookFromTranscript(t *testing.T) {
	needGit(t)
	repo, home := t.TempDir(), t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(repo, "CLAUDE.md"), []byte("rules\n"), 0o644)
	git(t, repo, "add", "CLAUDE.md")
	git(t, repo, "commit", "-qm", "one")
	head := git(t, repo, "rev-parse", "HEAD")

	s := NewScan(nil)
	var passed int
	scanTranscript(t, fixture(t, "transcript.jsonl"), s, &passed)
	var all int
	if _, err := recorder.ReadSessionFunc(fixture(t, "transcript.jsonl"), nil, func(string, []byte) { all++ }); err != nil {
		t.Fatal(err)
	}
	if passed != all || all == 0 {
		t.Errorf("next visitor saw %d lines of %d", passed, all)
	}
	fp := s.Hook(HookStart{Dir: repo, Home: home, CCQ: "v9.9.9"})
	launcher := Compute(Start{Dir: repo, Home: home, Prompt: "run echo hi", CCQ: "v9.9.9", Git: true})
	want := map[string]string{
		PartClaude: "2.1.328", PartModels: "claude-opus-5-5", PartGit: head[:12] + DirtyUnknown,
		PartPrompt: launcher[PartPrompt], PartMemory: launcher[PartMemory], PartSettings: launcher[PartSettings],
		PartHost: launcher[PartHost], PartCCQ: "v9.9.9",
	}
	for k, v := range want {
		if fp[k] != v || v == "" {
			t.Errorf("%s: %q, want %q", k, fp[k], v)
		}
	}
	if launcher[PartGit] != head[:12] {
		t.Errorf("launcher's git part %q: the hook's must differ from a clean one", launcher[PartGit])
	}
	if _, ok := fp[PartMCP]; ok || fp[PartTools] != "" || len(fp) != len(want) {
		t.Errorf("parts only a launcher knows: %v", fp)
	}
	out := NewScan(nil)
	scanTranscript(t, fixture(t, "transcript.jsonl"), out, &passed)
	if g := out.Hook(HookStart{Dir: t.TempDir()})[PartGit]; g != None {
		t.Errorf("outside a repository: %q", g)
	}
}

// TestHookPrompt: the prompt is the run's first user message that is one;
// a feedback digest and surrounding blanks do not count; a run whose part
// starts with a tool result has no known prompt.
func TestHookPrompt(t *testing.T) {
	user := func(content string) string {
		return `{"parentUuid":null,"type":"user","message":{"role":"user","content":` + content + `},"version":"2.1.330"}`
	}
	tests := []struct {
		name  string
		lines []string
		want  string // the prompt hashed; "-" for none
	}{
		{"string", []string{user(`"Fix the build.\n"`)}, "Fix the build."},
		{"feedback digest", []string{user(`"Fix the build.` + strings.ReplaceAll(FeedbackHeading, "\n", `\n`) + `Last 3 runs: all failed."`)}, "Fix the build."},
		{"meta first", []string{`{"type":"user","isMeta":true,"message":{"role":"user","content":"<local-command-caveat>"}}`, user(`"Real."`)}, "Real."},
		{"text blocks", []string{user(`[{"type":"text","text":"one"},{"type":"text","text":"two"}]`)}, "one\n\ntwo"},
		{"tool result", []string{user(`[{"type":"tool_result","tool_use_id":"x","content":"hi"}]`), user(`"later"`)}, "-"},
		{"none", []string{`{"type":"system","subtype":"x"}`}, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.jsonl")
			os.WriteFile(path, []byte(strings.Join(tt.lines, "\n")+"\n"), 0o600)
			s := NewScan(nil)
			var n int
			scanTranscript(t, path, s, &n)
			fp := s.Hook(HookStart{})
			got, ok := fp[PartPrompt]
			if tt.want == "-" {
				if ok {
					t.Errorf("prompt %q, want none", got)
				}
				return
			}
			if got != Hash([]byte(tt.want)) || got != Compute(Start{Prompt: tt.want})[PartPrompt] {
				t.Errorf("prompt %q, want the hash of %q", got, tt.want)
			}
			if fp[PartClaude] != "2.1.330" {
				t.Errorf("version %q", fp[PartClaude])
			}
		})
	}
}

// TestHookUnknown: a transcript with nothing to tell and no folder leave
// those parts out; a model fallback shows both models; nothing fails.
func TestHookUnknown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	lines := `{"type":"assistant","message":{"model":"claude-opus-5-5"}}` + "\n" +
		`{"type":"assistant","message":{"model":"<synthetic>"}}` + "\n" +
		`{"type":"assistant","message":{"model":"claude-sonnet-5"}}` + "\nnot json\n"
	os.WriteFile(path, []byte(lines), 0o600)
	s := NewScan(nil)
	var n int
	scanTranscript(t, path, s, &n)
	fp := s.Hook(HookStart{})
	if fp[PartModels] != "claude-opus-5-5,claude-sonnet-5" {
		t.Errorf("models %q", fp[PartModels])
	}
	for _, p := range []string{PartClaude, PartPrompt, PartMemory, PartSettings, PartGit, PartCCQ} {
		if v, ok := fp[p]; ok {
			t.Errorf("%s: %q, want it left out", p, v)
		}
	}
	extra := NewScan(nil).AddTo(nil, HookStart{})
	if m, ok := extra[Key].(map[string]string); !ok || m[PartHost] == "" {
		t.Errorf("extras %v", extra)
	}
}

// TestHookRunsNoGit: the hook's fingerprint of a dirty repository runs no
// git (a git first in PATH would leave a mark) and says the flag is unknown.
func TestHookRunsNoGit(t *testing.T) {
	needGit(t)
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(repo, "a.txt"), []byte("a\n"), 0o644)
	git(t, repo, "add", "a.txt")
	git(t, repo, "commit", "-qm", "one")
	os.WriteFile(filepath.Join(repo, "a.txt"), []byte("changed\n"), 0o644)
	head := git(t, repo, "rev-parse", "HEAD")
	bin, mark := t.TempDir(), filepath.Join(t.TempDir(), "ran")
	os.WriteFile(filepath.Join(bin, "git"), []byte("#!/bin/sh\n: > "+mark+"\nexit 1\n"), 0o755)
	t.Setenv("PATH", bin)
	if g := NewScan(nil).Hook(HookStart{Dir: repo})[PartGit]; g != head[:12]+DirtyUnknown {
		t.Errorf("git part %q", g)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the hook's fingerprint ran git")
	}
	Compute(Start{Dir: repo, Git: true}) // the launcher's does: the mark proves the trap works
	if _, err := os.Stat(mark); err != nil {
		t.Error("the stand-in git never ran for the launcher either: the test proves nothing")
	}
}

// BenchmarkHookTranscript is what the fingerprint adds to ccq-hook's
// SessionEnd: the transcript pass with and without a Scan in it, and the
// parts taken after it (files, .git, host) in this repository.
func BenchmarkHookTranscript(b *testing.B) {
	path := fixture(b, "transcript.jsonl")
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	b.Run("read", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			recorder.ReadSessionFunc(path, nil, nil)
		}
	})
	b.Run("read+scan", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s := NewScan(nil)
			recorder.ReadSessionFunc(path, nil, s.Visit)
		}
	})
	b.Run("hook-parts", func(b *testing.B) {
		s := NewScan(nil)
		for i := 0; i < b.N; i++ {
			s.Hook(HookStart{Dir: wd, Home: home, CCQ: "v1"})
		}
	})
}
