package recorder

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
)

func TestRunStateReducesEvents(t *testing.T) {
	dir := t.TempDir()
	t0 := time.UnixMilli(1795630105000)
	evs := []Event{
		{Ev: EvSessionStart, T: t0.UnixMilli(), Task: "nightly", Log: "/l.md", SID: "s1", TP: "/t.jsonl", PID: 42, PStart: t0.Add(-300 * time.Millisecond).UnixMilli()},
		{Ev: EvStop, T: t0.Add(time.Second).UnixMilli(), Out: 40},
		{Ev: EvStop, T: t0.Add(2 * time.Second).UnixMilli()},
		{Ev: EvStopFailure, T: t0.Add(3 * time.Second).UnixMilli()},
		{Ev: EvSessionEnd, T: t0.Add(4 * time.Second).UnixMilli(), Reason: "other"},
	}
	for _, ev := range evs {
		if err := AppendEvent(dir, "r1", ev); err != nil {
			t.Fatal(err)
		}
	}
	// A hook killed mid-write leaves a torn line: it is skipped.
	f, _ := os.OpenFile(runFile(dir, "r1"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"ev":"Sto`)
	f.Close()

	r, err := ReadRun(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Task != "nightly" || r.SessionStarts != 1 || r.Stops != 2 || r.StopFailure != "unknown" || !r.Ended || r.OutputBytes != 40 || r.ClaudePID != 42 {
		t.Errorf("run = %+v", r)
	}
	e := buildEntry(r.ID, Evidence{Run: r}, ByHook)
	if e.DurationS != 4.3 || e.Timestamp != "2026-11-25T18:08:24.700Z" {
		t.Errorf("duration %v from %s; want 4.3 s from the claude process start", e.DurationS, e.Timestamp)
	}
}

func TestAppendEventWithoutCreate(t *testing.T) {
	dir := t.TempDir()
	err := AppendEventIfOpen(dir, "gone", Event{Ev: EvStop})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("append to a closed run: %v, want not-exist", err)
	}
	if _, err := os.Stat(runFile(dir, "gone")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a closed run's state was resurrected")
	}
}

// TestClaimIsExclusive: of many processes racing to close one run, exactly
// one wins.
func TestClaimIsExclusive(t *testing.T) {
	dir := t.TempDir()
	if err := AppendEvent(dir, "r", Event{Ev: EvSessionStart, T: 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := Claim(dir, "r"); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				_ = c
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claims won, want 1", wins)
	}
}

func deadProcess(t *testing.T) (int, int64) {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	ticks, _, _ := proc.Start(pid)
	cmd.Wait()
	return pid, ticks
}

func TestCloseStaleClosesDeadRunsOnce(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	deadPID, deadTicks := deadProcess(t)
	selfTicks, _, _ := proc.Start(os.Getpid())

	// A launcher that died mid-run.
	AppendEvent(dir, "launch-dead", Event{Ev: EvLaunch, T: now.Add(-time.Minute).UnixMilli(), Task: "nightly", Log: "/x.md", PID: deadPID, PTicks: deadTicks})
	AppendEvent(dir, "launch-dead", Event{Ev: EvSessionStart, T: now.Add(-59 * time.Second).UnixMilli(), PID: deadPID, PTicks: deadTicks})
	// A hook-only session killed before SessionEnd (SIGKILL), with its transcript.
	AppendEvent(dir, "killed", Event{Ev: EvSessionStart, T: now.Add(-time.Minute).UnixMilli(), Task: "t", PID: deadPID, PTicks: deadTicks,
		TP: fixture(t, "transcript.jsonl")})
	// A run still going: its launcher (this test) is alive.
	AppendEvent(dir, "alive", Event{Ev: EvLaunch, T: now.UnixMilli(), Task: "t", PID: os.Getpid(), PTicks: selfTicks})
	// A pid that was reused by another process: not our launcher any more.
	AppendEvent(dir, "reused", Event{Ev: EvLaunch, T: now.UnixMilli(), Task: "t", PID: os.Getpid(), PTicks: selfTicks + 1})

	n, err := CloseStale(dir, now)
	if err != nil || n != 3 {
		t.Fatalf("closed %d (%v), want 3", n, err)
	}
	if n, _ := CloseStale(dir, now); n != 0 {
		t.Fatalf("second pass closed %d more, want 0", n)
	}
	data, _ := os.ReadFile(HistoryPath(dir))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 {
		t.Fatalf("history:\n%s", data)
	}
	for _, want := range []string{
		`"task_id":"nightly","success":false,"error_type":"exception","tokens":0,"duration_s":1,"log_file":"/x.md"`,
		`"error_detail":"unfinished: launcher killed"`,
		`"run_id":"killed"`, `"error_detail":"unfinished: killed before SessionEnd"`, `"tokens":12232`,
		`"recorded_by":"recovery"`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("history lacks %s:\n%s", want, data)
		}
	}
	if _, err := os.Stat(runFile(dir, "alive")); err != nil {
		t.Errorf("a live run was closed: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(RunsDir(dir), "*"))
	if len(left) != 1 {
		t.Errorf("state left: %v, want only the live run", left)
	}
}

func TestCloseStaleFinishesAbandonedClaim(t *testing.T) {
	dir := t.TempDir()
	deadPID, _ := deadProcess(t)
	AppendEvent(dir, "r", Event{Ev: EvLaunch, T: time.Now().UnixMilli(), Task: "t"})
	// The closer died after claiming, before writing.
	os.Rename(runFile(dir, "r"), filepath.Join(RunsDir(dir), "r.closing-"+itoa(deadPID)))
	if n, _ := CloseStale(dir, time.Now()); n != 1 {
		t.Fatalf("closed %d, want 1", n)
	}
	// And one that died after writing: nothing more is written.
	AppendEvent(dir, "r", Event{Ev: EvLaunch, T: time.Now().UnixMilli(), Task: "t"})
	os.Rename(runFile(dir, "r"), filepath.Join(RunsDir(dir), "r.closing-"+itoa(deadPID)))
	if n, _ := CloseStale(dir, time.Now()); n != 0 {
		t.Fatalf("closed %d, want 0: the line is already in history", n)
	}
	data, _ := os.ReadFile(HistoryPath(dir))
	if c := strings.Count(string(data), "\n"); c != 1 {
		t.Fatalf("%d lines, want 1:\n%s", c, data)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestInProgressListsOnlyLiveRuns(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	deadPID, deadTicks := deadProcess(t)
	selfTicks, _, _ := proc.Start(os.Getpid())
	AppendEvent(dir, "older", Event{Ev: EvLaunch, T: now.Add(-time.Hour).UnixMilli(), Task: "a", PID: os.Getpid(), PTicks: selfTicks})
	AppendEvent(dir, "newer", Event{Ev: EvLaunch, T: now.Add(-time.Minute).UnixMilli(), Task: "b", PID: os.Getpid(), PTicks: selfTicks})
	AppendEvent(dir, "dead", Event{Ev: EvLaunch, T: now.UnixMilli(), Task: "c", PID: deadPID, PTicks: deadTicks})
	var ids []string
	for _, r := range InProgress(dir, now) {
		ids = append(ids, r.ID+":"+r.Task)
	}
	if strings.Join(ids, ",") != "newer:b,older:a" {
		t.Fatalf("in progress: %v, want newer:b,older:a", ids)
	}
}

func TestClosedElsewhere(t *testing.T) {
	dir := t.TempDir()
	AppendEvent(dir, "r", Event{Ev: EvSessionEnd, T: 1})
	mine, err := Claim(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	if ClosedElsewhere(dir, "r", mine) {
		t.Fatal("a run nobody else closes was reported closed")
	}
	// Another process claimed the same run id and is still writing.
	other := filepath.Join(RunsDir(dir), "r.closing-1")
	os.WriteFile(other, []byte(`{"ev":"SessionStart","t":1}`+"\n"), 0o600)
	if !ClosedElsewhere(dir, "r", mine) {
		t.Fatal("a claim in progress elsewhere was not seen")
	}
	os.Remove(other)
	e := Entry{TaskID: "t", RunID: "r"}
	Append(dir, &e)
	if !ClosedElsewhere(dir, "r", mine) {
		t.Fatal("a run already in the history was not seen")
	}
}

// TestGuardedAndOrphaned: a run whose guardian lives is not stale though
// its launcher and claude are dead; and a SessionEnd that came after the
// launcher was killed (Orphan) does not hide why the run ended, while one
// that came before it does.
func TestGuardedAndOrphaned(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	deadPID, deadTicks := deadProcess(t)
	selfTicks, _, _ := proc.Start(os.Getpid())
	for _, id := range []string{"guarded", "orphaned", "ended"} {
		AppendEvent(dir, id, Event{Ev: EvLaunch, T: now.Add(-time.Minute).UnixMilli(), Task: "t", PID: deadPID, PTicks: deadTicks})
	}
	// The guardian is this test: alive.
	AppendEvent(dir, "guarded", Event{Ev: EvGuard, T: now.UnixMilli(), PID: os.Getpid(), PTicks: selfTicks})
	AppendEvent(dir, "orphaned", Event{Ev: EvSessionEnd, T: now.UnixMilli(), Reason: "other", Orphan: true})
	AppendEvent(dir, "ended", Event{Ev: EvSessionEnd, T: now.UnixMilli(), Reason: "other"})
	if n, err := CloseStale(dir, now); err != nil || n != 2 {
		t.Fatalf("closed %d (%v), want 2: not the guarded one", n, err)
	}
	if r, err := ReadRun(dir, "guarded"); err != nil || !r.Guarded() {
		t.Errorf("guarded run: %+v, %v", r, err)
	}
	data, _ := os.ReadFile(HistoryPath(dir))
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		orphan := strings.Contains(l, `"run_id":"orphaned"`)
		if says := strings.Contains(l, `"error_detail":"`+UnfinishedLauncherKilled+`"`); says != orphan {
			t.Errorf("line %s: says the launcher was killed: %v, want %v", l, says, orphan)
		}
	}
}
