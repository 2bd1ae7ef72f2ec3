package launch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/recorder"
)

// TestE2EHookFingerprintMatches: what ccq-hook can take of a run (its
// transcript, the session's folder) gives the launcher's values for the
// parts both know, on a real Claude Code 2.1.328 run whose prompt carries
// a feedback digest; so `stats --by` and `check` read hook lines and
// launcher lines alike.
func TestE2EHookFingerprintMatches(t *testing.T) {
	r := newE2E(t, answer("Done."), false)
	r.task("feedback: 3\n")
	if err := os.MkdirAll(r.logs, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, recorder.HistoryPath(r.logs), `{"task_id":"job","success":false,"error_type":"exit_error","tokens":10,"duration_s":1,"log_file":"","timestamp":"2026-12-01T02:00:00.000Z","error_detail":"exit code 1: API Error: 500"}`+"\n", 0o644)
	e, code, stderr := r.launch(nil)
	if code != 0 || !e.Success {
		t.Fatalf("exit %d, entry %+v, stderr %s", code, e, stderr)
	}
	line := r.lastLine()
	home := filepath.Join(filepath.Dir(r.proj), "home")
	paths, _ := filepath.Glob(filepath.Join(home, ".claude", "projects", "*", e.SessionID+".jsonl"))
	if len(paths) != 1 {
		t.Fatalf("transcript of session %s: %v", e.SessionID, paths)
	}
	s := fingerprint.NewScan(nil)
	if _, err := recorder.ReadSessionFunc(paths[0], nil, s.Visit); err != nil {
		t.Fatal(err)
	}
	fp := s.Hook(fingerprint.HookStart{Dir: r.proj, Home: home, CCQ: line.Get("fp.ccq").Str})
	for _, p := range []string{fingerprint.PartClaude, fingerprint.PartModels, fingerprint.PartPrompt, fingerprint.PartMemory,
		fingerprint.PartSettings, fingerprint.PartGit, fingerprint.PartHost, fingerprint.PartCCQ} {
		if want := line.Get("fp." + p).Str; fp[p] != want || want == "" {
			t.Errorf("%s: the hook's %q, the launcher's %q", p, fp[p], want)
		}
	}
	if b, _ := os.ReadFile(e.LogFile); len(b) == 0 {
		t.Error("no session log")
	}
}
