package launch

// End-to-end tests: the real Claude Code 2.1.328 (claudetest.Claude) against
// the Go fake API (internal/fakeapi), through the built `ccq launch`.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/fakeapi"
	"github.com/ccq-dev/ccq/recorder"
)

type e2eRun struct {
	t      *testing.T
	srv    *fakeapi.Server
	proj   string // the task's project and the run's working directory
	logs   string
	marker string // hook wrapper notes each hook event here
	env    []string
}

// newE2E prepares a project with task "job" and, with hooks, a project
// .claude/settings.json whose hooks run the freshly built ccq-hook.
func newE2E(t *testing.T, script fakeapi.Script, hooks bool) *e2eRun {
	t.Helper()
	claude := claudetest.Claude(t)
	bin := claudetest.Build(t, "./cmd/ccq", "./cmd/ccq-hook")
	root := t.TempDir()
	r := &e2eRun{t: t, srv: fakeapi.Start(t, script), proj: filepath.Join(root, "proj"), marker: filepath.Join(root, "hook-events")}
	r.logs = filepath.Join(r.proj, "logs", "scheduler")
	home := filepath.Join(root, "home")
	for _, d := range []string{home, filepath.Join(r.proj, "tasks"), filepath.Join(r.proj, ".claude")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(r.proj, "tasks", "job.md"), "---\ndescription: e2e\n---\nSay hi, then stop.\n", 0o644)
	if hooks {
		wrapper := filepath.Join(root, "hook.sh")
		// The wrapper proves the hooks ran; ccq-hook does the recording.
		writeFile(t, wrapper, "#!/bin/sh\necho \"$CCQ_RUN_ID\" >> "+r.marker+"\nexec "+filepath.Join(bin, "ccq-hook")+"\n", 0o755)
		hook := []map[string]any{{"hooks": []map[string]any{{"type": "command", "command": wrapper}}}}
		settings, _ := json.Marshal(map[string]any{"hooks": map[string]any{
			"SessionStart": hook, "Stop": hook, "StopFailure": hook, "SessionEnd": hook}})
		writeFile(t, filepath.Join(r.proj, ".claude", "settings.json"), string(settings), 0o644)
	}
	r.env = append(claudetest.Env(home, r.srv.URL), EnvClaude+"="+claude)
	return r
}

func (r *e2eRun) command(args ...string) *exec.Cmd {
	bin := claudetest.Build(r.t, "./cmd/ccq")
	full := append([]string{"launch", "--json"}, args...)
	cmd := exec.Command(filepath.Join(bin, "ccq"), full...)
	cmd.Dir = r.proj
	cmd.Env = r.env
	return cmd
}

// launch runs ccq launch job with ccqArgs before the task name and
// claudeArgs after --, and returns the history line it printed, its exit
// code and stderr.
func (r *e2eRun) launch(ccqArgs []string, claudeArgs ...string) (recorder.Entry, int, string) {
	r.t.Helper()
	args := append(append([]string{}, ccqArgs...), "job", "--", "--dangerously-skip-permissions")
	cmd := r.command(append(args, claudeArgs...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return r.check(stdout.Bytes(), exitCode(err), stderr.String())
}

// check verifies what every run must end with: exactly one history line,
// the one --json printed, no run state left, and a readable session log.
func (r *e2eRun) check(stdout []byte, code int, stderr string) (recorder.Entry, int, string) {
	t := r.t
	t.Helper()
	var printed recorder.Entry
	if err := json.Unmarshal(stdout, &printed); err != nil {
		t.Fatalf("--json printed %q: %v (stderr %s)", stdout, err, stderr)
	}
	h := claudetest.History(t, recorder.HistoryPath(r.logs))
	n := 0
	for _, e := range h {
		if e.RunID == printed.RunID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d history lines for run %s, want 1: %+v", n, printed.RunID, h)
	}
	line, _ := os.ReadFile(recorder.HistoryPath(r.logs))
	if !bytes.Contains(line, bytes.TrimSpace(stdout)) {
		t.Errorf("--json line differs from the history:\n%s\n%s", stdout, line)
	}
	if left, _ := filepath.Glob(filepath.Join(recorder.RunsDir(r.logs), "*")); len(left) > 0 {
		t.Errorf("run state left: %v", left)
	}
	log, err := os.ReadFile(printed.LogFile)
	if err != nil {
		t.Fatalf("session log: %v", err)
	}
	for _, want := range []string{"# job — run " + printed.RunID, "- **Command:** `", "## Prompt", "Say hi, then stop.", "## Session", "## Outcome", "| tokens | " + fmt.Sprint(printed.Tokens)} {
		if !strings.Contains(string(log), want) {
			t.Errorf("session log lacks %q:\n%s", want, log)
		}
	}
	if printed.RecordedBy != recorder.ByLauncher || printed.TaskID != "job" {
		t.Errorf("entry %+v", printed)
	}
	if left := runProcesses(printed.RunID); len(left) > 0 {
		t.Errorf("processes of run %s still alive: %v", printed.RunID, left)
	}
	if testing.Verbose() {
		t.Logf("exit %d, history line: %s\n%s", code, bytes.TrimSpace(stdout), log)
	}
	return printed, code, stderr
}

// hooksRan is how many hook events the wrapper saw for run id.
func (r *e2eRun) hooksRan(id string) int {
	b, _ := os.ReadFile(r.marker)
	return strings.Count(string(b), id+"\n")
}

// runProcesses finds every live process whose environment carries
// CCQ_RUN_ID=id: Claude Code, its hooks and the tools it started, whatever
// process group they moved to.
func runProcesses(id string) []string {
	want := []byte(recorder.EnvRunID + "=" + id + "\x00")
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		out = append(out, e.Name()+":"+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}

func always(k fakeapi.Kind, status int) fakeapi.Script {
	return func(int, []byte) fakeapi.Reply {
		return fakeapi.Reply{Kind: k, Status: status, Command: "echo tool-output-here"}
	}
}

func wantOutcome(t *testing.T, e recorder.Entry, code int, wantCode int, et recorder.ErrorType, detail string) {
	t.Helper()
	if code != wantCode || e.ErrorType != et || e.ErrorDetail != detail || e.Success != (et == recorder.ErrNone) {
		t.Errorf("exit %d error_type %q detail %q success %v; want exit %d, %q, %q", code, e.ErrorType, e.ErrorDetail, e.Success, wantCode, et, detail)
	}
}

func wantTokens(t *testing.T, e recorder.Entry, srv *fakeapi.Server) {
	t.Helper()
	if want := srv.Served().Total(); e.Tokens != want {
		t.Errorf("tokens %d (%s), the API served %d", e.Tokens, e.TokensSource, want)
	}
}

func TestE2ESuccess(t *testing.T) {
	for _, hooks := range []bool{false, true} {
		t.Run(fmt.Sprintf("hooks=%v", hooks), func(t *testing.T) {
			r := newE2E(t, always(fakeapi.Text, 0), hooks)
			e, code, _ := r.launch(nil)
			wantOutcome(t, e, code, 0, recorder.ErrNone, "")
			wantTokens(t, e, r.srv)
			if e.TokensSource != recorder.TokensTranscript || e.Turns != 1 || e.SessionID == "" || e.Model != "claude-opus-5-5" || e.CostUSD == nil || *e.ExitCode != 0 {
				t.Errorf("entry %+v", e)
			}
			if got := r.hooksRan(e.RunID); hooks != (got >= 3) {
				t.Errorf("hooks installed %v, hook events seen %d", hooks, got)
			}
			log, _ := os.ReadFile(e.LogFile)
			if !strings.Contains(string(log), "Hi! This is the fake API answering.") {
				t.Errorf("log lacks the answer:\n%s", log)
			}
		})
	}
}

func TestE2EToolUse(t *testing.T) {
	r := newE2E(t, func(n int, _ []byte) fakeapi.Reply {
		if n == 1 {
			return fakeapi.Reply{Kind: fakeapi.ToolUse, Command: "echo tool-output-here"}
		}
		return fakeapi.Reply{Kind: fakeapi.Text, Text: "All done."}
	}, true)
	e, code, _ := r.launch(nil)
	wantOutcome(t, e, code, 0, recorder.ErrNone, "")
	wantTokens(t, e, r.srv)
	if e.Turns != 2 {
		t.Errorf("turns %d", e.Turns)
	}
	log, _ := os.ReadFile(e.LogFile)
	for _, want := range []string{"**Tool call:** `Bash`", "echo tool-output-here", "Result of `Bash`", "\ntool-output-here\n", "All done."} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestE2EAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		hooks  bool
		detail string
	}{
		{500, false, "server_error"},
		{500, true, "server_error"},
		{429, true, "rate_limit"},
		{429, false, "rate_limit"},
	} {
		t.Run(fmt.Sprintf("%d/hooks=%v", tc.status, tc.hooks), func(t *testing.T) {
			r := newE2E(t, always(fakeapi.Error, tc.status), tc.hooks)
			e, code, _ := r.launch(nil)
			wantOutcome(t, e, code, 1, recorder.ErrExit, tc.detail)
			wantTokens(t, e, r.srv)
			log, _ := os.ReadFile(e.LogFile)
			if !strings.Contains(string(log), "**API error:**") {
				t.Errorf("log lacks the API error:\n%s", log)
			}
		})
	}
}

func TestE2EMaxTurns(t *testing.T) {
	r := newE2E(t, always(fakeapi.ToolUse, 0), true)
	e, code, _ := r.launch(nil, "--max-turns", "1")
	wantOutcome(t, e, code, 1, recorder.ErrExit, "max_turns")
	wantTokens(t, e, r.srv)
}

// TestE2ETimeout: the API hangs after a tool started a background process
// that ignores SIGTERM; at the deadline everything of the run goes.
func TestE2ETimeout(t *testing.T) {
	r := newE2E(t, func(n int, _ []byte) fakeapi.Reply {
		if n == 1 {
			return fakeapi.Reply{Kind: fakeapi.ToolUse, Command: "(trap '' TERM; exec sleep 300) >/dev/null 2>&1 & echo started"}
		}
		return fakeapi.Reply{Kind: fakeapi.Hang}
	}, true)
	start := time.Now()
	e, code, _ := r.launch([]string{"--timeout", "3s", "--grace", "2s"})
	wall := time.Since(start)
	wantOutcome(t, e, code, 124, recorder.ErrTimeout, "timeout after 3s")
	// The run lasts at least the timeout; with the grace period it may
	// legally take 5 s and more, but never longer than ccq ran.
	if e.DurationS < 3 || e.DurationS > wall.Seconds() {
		t.Errorf("duration %.3f s for a 3 s timeout (ccq took %v)", e.DurationS, wall)
	}
	wantTokens(t, e, r.srv)
}

// TestE2ESIGINT: Ctrl-C to ccq while the API hangs. Claude Code exits 0 on
// SIGINT; the run is still an exception and ccq exits 130.
func TestE2ESIGINT(t *testing.T) {
	r := newE2E(t, always(fakeapi.Hang, 0), true)
	cmd := r.command("job", "--", "--dangerously-skip-permissions")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300 && r.srv.Requests() == 0; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if r.srv.Requests() == 0 {
		t.Fatal("claude never called the API")
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	e, code, _ := r.check(stdout.Bytes(), exitCode(err), stderr.String())
	wantOutcome(t, e, code, 130, recorder.ErrException, "signal: SIGINT")
	if e.ExitCode == nil {
		t.Errorf("no exit code in %+v", e)
	}
}

// TestE2EBare: --bare runs no hooks at all; the launcher alone records the
// run, with the tokens from the transcript or the result.
func TestE2EBare(t *testing.T) {
	r := newE2E(t, always(fakeapi.Text, 0), true)
	e, code, _ := r.launch(nil, "--bare")
	wantOutcome(t, e, code, 0, recorder.ErrNone, "")
	wantTokens(t, e, r.srv)
	if n := r.hooksRan(e.RunID); n != 0 {
		t.Errorf("%d hook events under --bare", n)
	}
}

func TestE2EClaudeMissing(t *testing.T) {
	r := newE2E(t, always(fakeapi.Text, 0), true)
	r.env = append(r.env, EnvClaude+"="+filepath.Join(r.proj, "no-claude-here"))
	e, code, stderr := r.launch(nil)
	wantOutcome(t, e, code, 127, recorder.ErrException, "start: stat "+filepath.Join(r.proj, "no-claude-here")+": no such file or directory")
	if !strings.Contains(stderr, "ccq: error: launch job: start claude:") || r.srv.Requests() != 0 {
		t.Errorf("stderr %q, %d requests", stderr, r.srv.Requests())
	}
}

// TestE2EResume: a task that resumes an earlier session appends to its
// transcript; with hooks or without, the run's line counts only the tokens
// served to this run.
func TestE2EResume(t *testing.T) {
	for _, hooks := range []bool{false, true} {
		t.Run(fmt.Sprintf("hooks=%v", hooks), func(t *testing.T) {
			r := newE2E(t, always(fakeapi.Text, 0), hooks)
			first, _, _ := r.launch(nil)
			before := r.srv.Served().Total()
			if first.Tokens != before || first.SessionID == "" {
				t.Fatalf("first run: %+v, want %d tokens and a session id", first, before)
			}
			second, code, _ := r.launch(nil, "--resume", first.SessionID)
			wantOutcome(t, second, code, 0, recorder.ErrNone, "")
			if want := r.srv.Served().Total() - before; second.Tokens != want || second.SessionID != first.SessionID {
				t.Errorf("resumed run: %d tokens in session %s; want %d (its own turns only) in %s",
					second.Tokens, second.SessionID, want, first.SessionID)
			}
		})
	}
}

// TestE2ELauncherKilled: the launcher is SIGKILLed while the API hangs.
// Claude Code gets SIGTERM (parent-death signal, then the guardian), its
// SessionEnd hook runs, and the run gets exactly one line, from the
// guardian (the hook leaves the run to it) or, had none started, the hook,
// saying the launcher was killed, with no process of the run left and no
// other ccq command run.
func TestE2ELauncherKilled(t *testing.T) {
	r := newE2E(t, always(fakeapi.Hang, 0), true)
	cmd := r.command("--quiet", "--grace", "3s", "job", "--", "--dangerously-skip-permissions")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for r.srv.Requests() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if r.srv.Requests() == 0 {
		t.Fatal("claude never called the API")
	}
	asked := time.Now() // the run has lasted at least until now
	inProgress := recorder.InProgress(r.logs, time.Now())
	if len(inProgress) != 1 || inProgress[0].Task != "job" {
		t.Fatalf("in progress before the kill: %+v, want the job", inProgress)
	}
	runID := inProgress[0].ID
	cmd.Process.Kill()
	cmd.Wait()
	// Over when the line is written, the run's state gone (nobody else
	// can claim it) and none of its processes left.
	var h []recorder.Entry
	for time.Now().Before(deadline) {
		left, _ := filepath.Glob(filepath.Join(recorder.RunsDir(r.logs), "*"))
		h = claudetest.History(t, recorder.HistoryPath(r.logs))
		if len(h) > 0 && len(left) == 0 && len(runProcesses(runID)) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	done := time.Now()
	if len(h) != 1 {
		t.Fatalf("history %+v, want exactly one line", h)
	}
	e := h[0]
	if e.RunID != runID || e.Success || e.ErrorType != recorder.ErrException || e.ErrorDetail != recorder.UnfinishedLauncherKilled || e.TaskID != "job" ||
		(e.RecordedBy != recorder.ByHook && e.RecordedBy != recorder.ByRecovery) {
		t.Errorf("entry %+v, want run %s recorded once as %q by its guardian (or its hook)", e, runID, recorder.UnfinishedLauncherKilled)
	}
	// The run went on at least until claude called the API, and ended
	// before its line was seen (the entry's timestamp is the run's start,
	// to the millisecond).
	runStart, err := time.Parse(recorder.TimestampLayout, e.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	if low, high := asked.Sub(runStart)-time.Millisecond, done.Sub(runStart)+time.Millisecond; e.DurationS < low.Seconds() || e.DurationS > high.Seconds() {
		t.Errorf("duration %.3f s, want between %.3f and %.3f", e.DurationS, low.Seconds(), high.Seconds())
	}
	if left := runProcesses(runID); len(left) > 0 {
		t.Errorf("processes of the run left: %v", left)
	}
	if n, _ := recorder.CloseStale(r.logs, time.Now()); n != 0 {
		t.Errorf("CloseStale closed %d more runs", n)
	}
	if testing.Verbose() {
		t.Logf("history line: %+v", e)
	}
}

// writeFile writes a test's fixture, failing the test if it cannot.
func writeFile(t testing.TB, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}
