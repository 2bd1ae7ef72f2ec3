package launch

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
)

// standIn is the absolute path of a stand-in claude in testdata.
func standIn(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type runEnv struct {
	dir, logs string
	task      *Task
	env       map[string]string
}

func newRunEnv(t *testing.T) *runEnv {
	dir := t.TempDir()
	task := &Task{Name: "job", Path: filepath.Join(dir, "job.md"), Prompt: "Do the job."}
	return &runEnv{dir: dir, logs: filepath.Join(dir, "logs"), task: task,
		env: map[string]string{"PATH": os.Getenv("PATH"), "HOME": dir, "STANDIN_STARTED": filepath.Join(dir, "started"), "STANDIN_GRANDCHILD": filepath.Join(dir, "grandchild")}}
}

func (r *runEnv) opts(claude string) Options {
	return Options{Task: r.task, Claude: claude, Env: r.env, Cwd: r.dir, LogsDir: r.logs, Grace: time.Second}
}

// onlyLine checks that the history holds exactly one line, for out's run,
// and that the run's state is gone.
func onlyLine(t *testing.T, r *runEnv, out *Outcome) recorder.Entry {
	t.Helper()
	h := claudetest.History(t, recorder.HistoryPath(r.logs))
	if len(h) != 1 || h[0].RunID != out.Entry.RunID {
		t.Fatalf("history %+v, want one line for run %s", h, out.Entry.RunID)
	}
	left, _ := filepath.Glob(filepath.Join(recorder.RunsDir(r.logs), "*"))
	if len(left) > 0 {
		t.Errorf("run state left behind: %v", left)
	}
	return h[0]
}

func TestRunExitCode(t *testing.T) {
	r := newRunEnv(t)
	out, err := Run(context.Background(), r.opts(standIn(t, "exit33.sh")))
	if err != nil {
		t.Fatal(err)
	}
	if out.Ending != Exited || out.Code != 33 {
		t.Errorf("ending %v code %d, want exited 33", out.Ending, out.Code)
	}
	e := onlyLine(t, r, out)
	// The detail ends with the last line the stand-in wrote to stderr.
	if e.Success || e.ErrorType != recorder.ErrExit || e.ErrorDetail != "exit code 33: stand-in: job "+e.RunID || e.ExitCode == nil || *e.ExitCode != 33 || e.RecordedBy != recorder.ByLauncher || e.SessionID != "" && e.SessionID != "s-exit33" {
		t.Errorf("entry %+v", e)
	}
	log, err := os.ReadFile(e.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "    stand-in: job "+e.RunID) || !strings.Contains(string(log), "| outcome | exit_error (exit code 33: stand-in: job "+e.RunID+") |") {
		t.Errorf("log:\n%s", log)
	}
	st, _ := os.Stat(e.LogFile)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v", st.Mode())
	}
}

// TestRunStderrInDetail: claude failing without a result object says why
// on stderr; the history line's detail carries that line.
func TestRunStderrInDetail(t *testing.T) {
	r := newRunEnv(t)
	script := filepath.Join(r.dir, "overloaded.sh")
	writeFile(t, script, "#!/bin/sh\necho '{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s\"}'\n"+
		"echo '  API Error: 529 overloaded  ' >&2\necho '----' >&2\necho >&2\nexit 1\n", 0o755)
	out, err := Run(context.Background(), r.opts(script))
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if e.ErrorType != recorder.ErrExit || e.ErrorDetail != "exit code 1: API Error: 529 overloaded" {
		t.Errorf("entry %+v", e)
	}
}

func TestRunReplay(t *testing.T) {
	r := newRunEnv(t)
	out, err := Run(context.Background(), r.opts(standIn(t, "replay.sh")))
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if out.Ending != Exited || out.Code != 0 || !e.Success || e.Tokens != 12232 || e.TokensSource != recorder.TokensResult || e.Turns != 2 || e.Model != "claude-opus-5-5" || e.CostUSD == nil {
		t.Errorf("%v (code %d) entry %+v", out.Ending, out.Code, e)
	}
}

func TestRunMissingClaude(t *testing.T) {
	r := newRunEnv(t)
	r.env["PATH"] = r.dir // no claude there
	out, err := Run(context.Background(), r.opts(""))
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	if out.Ending != StartFailed || out.StartErr == nil || e.ErrorType != recorder.ErrException || !strings.HasPrefix(e.ErrorDetail, "start: ") || e.ExitCode != nil {
		t.Errorf("%v (code %d) entry %+v", out.Ending, out.Code, e)
	}
}

// TestRunTimeoutGrandchild: the grandchild ignores SIGTERM and holds the
// output pipe; the run still ends at timeout + grace with nobody left.
func TestRunTimeoutGrandchild(t *testing.T) {
	r := newRunEnv(t)
	o := r.opts(standIn(t, "grandchild.sh"))
	o.Flags.Timeout = 500 * time.Millisecond
	o.Grace = 700 * time.Millisecond
	start := time.Now()
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	e := onlyLine(t, r, out)
	if out.Ending != TimedOut || e.ErrorType != recorder.ErrTimeout || e.ErrorDetail != "timeout after 500ms" {
		t.Errorf("%v (code %d) entry %+v", out.Ending, out.Code, e)
	}
	// At least the timeout; timeout plus grace and reaping may take longer
	// on a busy machine, but never longer than Run did.
	if e.DurationS < 0.5 || e.DurationS > wall.Seconds() {
		t.Errorf("duration %.3f s for a 0.5 s timeout (Run took %v)", e.DurationS, wall)
	}
	b, err := os.ReadFile(r.env["STANDIN_GRANDCHILD"])
	if err != nil {
		t.Fatal(err)
	}
	gc, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if proc.Alive(gc, 0) {
		t.Errorf("grandchild %d survived the run (wall %v)", gc, wall)
	}
	log, _ := os.ReadFile(e.LogFile)
	if !strings.Contains(string(log), "grandchild sleeping") {
		t.Errorf("log lacks the grandchild's output:\n%s", log)
	}
}

// TestRunLeftoverKilled: a child that exits at once leaves a tool running
// in the background; it does not outlive the run.
func TestRunLeftoverKilled(t *testing.T) {
	r := newRunEnv(t)
	script := filepath.Join(r.dir, "leaver.sh")
	writeFile(t, script, "#!/bin/sh\nsleep 300 &\necho $! > \"$STANDIN_GRANDCHILD\"\nexit 0\n", 0o755)
	out, err := Run(context.Background(), r.opts(script))
	if err != nil {
		t.Fatal(err)
	}
	onlyLine(t, r, out)
	b, _ := os.ReadFile(r.env["STANDIN_GRANDCHILD"])
	if gc, _ := strconv.Atoi(strings.TrimSpace(string(b))); gc == 0 || proc.Alive(gc, 0) {
		t.Errorf("background process %q survived", b)
	}
}

func TestClaudeArgs(t *testing.T) {
	got := claudeArgs("hi", merge(Settings{Model: "a", MaxTurns: 3, Args: []string{"--x"}}, Settings{Model: "b", AllowedTools: []string{"Read", "Bash(ls)"}, PermissionMode: "plan"}), []string{"--bare"})
	want := "-p hi --output-format stream-json --verbose --model b --max-turns 3 --permission-mode plan --allowedTools Read,Bash(ls) --x --bare"
	if strings.Join(got, " ") != want {
		t.Errorf("args %q\nwant %q", strings.Join(got, " "), want)
	}
}

func TestTranscriptPath(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	if got := TranscriptPath(env, "/tmp/my proj.x", "sid"); got != "/home/u/.claude/projects/-tmp-my-proj-x/sid.jsonl" {
		t.Errorf("got %q", got)
	}
	env[EnvClaudeConfigDir] = "/cfg"
	if got := TranscriptPath(env, "/p", "sid"); got != "/cfg/projects/-p/sid.jsonl" {
		t.Errorf("got %q", got)
	}
}

// BenchmarkRunInProcess is the launcher's own work per run, without the
// start-up of the ccq binary: Run of a stand-in that exits at once against
// starting that stand-in directly.
func BenchmarkRunInProcess(b *testing.B) {
	dir := b.TempDir()
	task := &Task{Name: "job", Path: filepath.Join(dir, "job.md"), Prompt: "Do the job."}
	claude := standIn(b, "true.sh")
	o := Options{Task: task, Claude: claude, Env: map[string]string{"PATH": os.Getenv("PATH"), "HOME": dir}, Cwd: dir, LogsDir: filepath.Join(dir, "logs")}
	var direct, launched time.Duration
	for i := 0; i < b.N; i++ {
		s := time.Now()
		if err := exec.Command(claude).Run(); err != nil {
			b.Fatal(err)
		}
		direct += time.Since(s)
		s = time.Now()
		if _, err := Run(context.Background(), o); err != nil {
			b.Fatal(err)
		}
		launched += time.Since(s)
	}
	d := float64(direct.Microseconds()) / float64(b.N) / 1000
	l := float64(launched.Microseconds()) / float64(b.N) / 1000
	b.ReportMetric(l-d, "added-ms/op")
}

// TestRunStateLost: even with its state file gone, a run gets exactly one
// line.
func TestRunStateLost(t *testing.T) {
	r := newRunEnv(t)
	script := filepath.Join(r.dir, "eraser.sh")
	writeFile(t, script, "#!/bin/sh\nrm \"$CCQ_LOGS_DIR/.runs/$CCQ_RUN_ID.jsonl\"\nexit 0\n", 0o755)
	out, err := Run(context.Background(), r.opts(script))
	if err != nil {
		t.Fatal(err)
	}
	e := onlyLine(t, r, out)
	// One warning, or two when the script erased the state before the
	// launcher noted the child in it too: each about the run state.
	ok := e.Success && len(out.Warnings) >= 1 && len(out.Warnings) <= 2
	for _, w := range out.Warnings {
		ok = ok && strings.HasPrefix(w, "run state: ")
	}
	if !ok {
		t.Errorf("entry %+v warnings %q", e, out.Warnings)
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		snap Snapshot
		d    time.Duration
		want string
	}{
		{Snapshot{}, 0, "ccq: job · 0:00 · 0 turns · 0 tokens"},
		{Snapshot{SessionID: "s", Turns: 1, Tokens: 6107}, 75 * time.Second, "ccq: job · 1:15 · 1 turn · thinking · 6.1k tokens"},
		{Snapshot{SessionID: "s", Turns: 3, Tool: "Bash", Tokens: 1_234_567}, 2 * time.Hour, "ccq: job · 2:00:00 · 3 turns · running Bash · 1.2M tokens"},
	} {
		if got := ProgressLine("job", tc.d, tc.snap); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestProgressRedraws(t *testing.T) {
	var buf lockedBuffer
	s := NewStream(nil)
	stop := startProgress(&buf, s, "job", time.Now())
	s.Line([]byte(`{"type":"system","subtype":"init","session_id":"s"}`))
	// Wait for the second redraw itself, however late the ticker fires.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(buf.String(), "\r\033[Kccq: job · 0:00") < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	out := buf.String()
	if strings.Count(out, "\r\033[Kccq: job · 0:00") < 2 || !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("progress output %q", out)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestResumes(t *testing.T) {
	tests := []struct {
		argv []string
		want bool
	}{
		{[]string{"-p", "x", "--output-format", "stream-json"}, false},
		{[]string{"-p", "x", "--resume", "abc"}, true},
		{[]string{"-p", "x", "--resume=abc"}, true},
		{[]string{"-p", "x", "-r", "abc"}, true},
		{[]string{"-p", "x", "--continue"}, true},
		{[]string{"-p", "x", "-c"}, true},
		{[]string{"-p", "x", "--", "--resume"}, false},
		{[]string{"-p", "x", "--resumed"}, false},
	}
	for _, tt := range tests {
		if got := resumes(tt.argv); got != tt.want {
			t.Errorf("resumes(%q) = %v, want %v", tt.argv, got, tt.want)
		}
	}
}

// exitCode is the exit code of a finished command; -2 for an error that
// is not an exit status (it could not start).
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -2
	}
	return 0
}
