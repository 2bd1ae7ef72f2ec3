package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
	"github.com/ccq-dev/ccq/sessionlog"
)

// A killed launcher (kill -9, the OOM killer) cannot end its run or write
// its line. Its guardian can: a small process (ccq itself, see
// Options.Guard) started beside the launcher and reading a pipe from it.
// The launcher tells it about the run as it goes, one JSON object a line,
// and says "done" once the run's line is written. If the pipe closes
// without "done", the launcher is gone: the guardian ends the run's
// processes (SIGTERM, the grace period, SIGKILL) and records the run with
// the time its last process went.

// guardMsg is one line from the launcher to its guardian; each line adds
// to what the guardian knows.
type guardMsg struct {
	Logs  string        `json:"logs,omitempty"`
	Run   string        `json:"run,omitempty"`
	Task  string        `json:"task,omitempty"`
	Log   string        `json:"log,omitempty"`
	Start int64         `json:"start,omitempty"` // unix ms
	Grace time.Duration `json:"grace,omitempty"`
	PID   int           `json:"pid,omitempty"` // claude: its process group is the run's
	// Extra are the keys the launcher adds to the run's line (attempt,
	// retry_of, ping_rid): the guardian's line has them too.
	Extra map[string]any `json:"extra,omitempty"`
	Done  bool           `json:"done,omitempty"`
}

// guardian is the launcher's end of the pipe to its guardian.
type guardian struct {
	w         *os.File
	logs, run string // where the run's state is, to note the guardian in it

	cmd *exec.Cmd
	r   *os.File // the guardian's stdin, closed here once it is started

	mu   sync.Mutex
	over bool  // the run is recorded: do not start the guardian any more
	err  error // from starting it
}

// guardDelay is how long a run goes before its guardian is started. A run
// over by then (a child that exits at once) needs none and costs no second
// process; a run killed before then has started no tools yet (Claude Code
// takes longer than that to start one), and claude itself has its
// parent-death signal.
const guardDelay = 20 * time.Millisecond

// startGuard prepares cmd as the run's guardian, tells it about the run,
// and starts it in the background after guardDelay: the launcher never
// waits for it. A nil cmd starts none (and a nil *guardian ignores
// everything).
func startGuard(cmd *exec.Cmd, first guardMsg) (*guardian, error) {
	if cmd == nil {
		return nil, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	g := &guardian{w: pw, r: pr, cmd: cmd, logs: first.Logs, run: first.Run}
	g.send(first) // the pipe holds it until the guardian reads
	time.AfterFunc(guardDelay, g.start)
	return g, nil
}

func (g *guardian) start() {
	defer g.r.Close() // the guardian has its copy, or never will
	g.mu.Lock()
	over := g.over
	g.mu.Unlock()
	if over {
		return
	}
	g.cmd.Stdin = g.r
	// Its own group: a terminal's Ctrl-C reaches the launcher, which
	// stops the run itself, and not the guardian.
	g.cmd.SysProcAttr = ownGroupAttr()
	err := g.cmd.Start()
	g.mu.Lock()
	g.err = err
	g.mu.Unlock()
	if err == nil {
		go func() { _ = g.cmd.Wait() }() // reaped whenever it exits
		// The run's state names its guardian: a SessionEnd hook that finds
		// the launcher dead leaves the run to it.
		pid := g.cmd.Process.Pid
		ticks, _, _ := proc.Start(pid)
		_ = recorder.AppendEventIfOpen(g.logs, g.run, recorder.Event{Ev: recorder.EvGuard, T: time.Now().UnixMilli(), PID: pid, PTicks: ticks})
	}
}

// send writes one message. A guardian that died makes the write fail,
// which changes nothing for the run.
func (g *guardian) send(m guardMsg) {
	if g == nil {
		return
	}
	b, _ := m.appendJSON(make([]byte, 0, 256)) // as json.Marshal: nothing on error
	_, _ = g.w.Write(append(b, '\n'))
}

// done releases the guardian, or cancels it if it has not started: the
// run's line is written. It never waits for the guardian. It returns why
// the guardian could not be started, if that is known by now.
func (g *guardian) done() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	g.over = true
	err := g.err
	g.mu.Unlock()
	g.send(guardMsg{Done: true}) // a guardian starting now reads it first thing
	g.w.Close()
	return err
}

// Guard is the guardian's side: it reads the launcher's messages from in
// until "done" (return nil at once) or the end of in without it (the
// launcher died), then ends the run and records it. It returns an error
// only for a run it could not record; a run recorded by someone else (the
// run's own SessionEnd hook, seeing the launcher dead) is fine.
func Guard(in io.Reader) error {
	// The guardian outlives the launcher on purpose: signals a terminal or
	// a service manager sends the launcher's group are not for it.
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGPIPE)
	var g guardMsg
	r := newGuardReader(in)
	for {
		m, err := r.next()
		if err != nil {
			break
		}
		if m.Done {
			return nil
		}
		g.merge(m)
	}
	if g.Run == "" || g.Logs == "" {
		return errors.New("guard: the launcher died before naming its run")
	}
	return g.takeOver()
}

func (g *guardMsg) merge(m guardMsg) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&g.Logs, m.Logs)
	set(&g.Run, m.Run)
	set(&g.Task, m.Task)
	set(&g.Log, m.Log)
	if m.Start != 0 {
		g.Start = m.Start
	}
	if m.Grace != 0 {
		g.Grace = m.Grace
	}
	if m.PID != 0 {
		g.PID = m.PID
	}
	if m.Extra != nil {
		g.Extra = m.Extra
	}
}

// takeOver ends the run of a dead launcher and records it.
func (g guardMsg) takeOver() error {
	// Note the guardian in the run's state as its launcher, so that no
	// other ccq command closes the run while the guardian is ending it.
	ticks, _, _ := proc.Start(os.Getpid())
	_ = recorder.AppendEventIfOpen(g.Logs, g.Run, recorder.Event{Ev: recorder.EvLaunch, T: time.Now().UnixMilli(), PID: os.Getpid(), PTicks: ticks})
	end := endRun(runProcs{pgid: g.PID, runID: g.Run}, g.Grace)
	ev := recorder.Evidence{
		Unfinished: recorder.UnfinishedLauncherKilled,
		Task:       g.Task, LogFile: g.Log, Start: time.UnixMilli(g.Start), End: end,
		Extra: g.Extra,
	}
	// Not ev.Launched: that would make Record write a line even when it
	// cannot claim the run's state, which here means someone else did.
	rec, err := recorder.Record(g.Logs, g.Run, ev, recorder.ByRecovery)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, recorder.ErrAlreadyRecorded) {
			return nil
		}
		return fmt.Errorf("guard: record run %s: %w", g.Run, err)
	}
	if l, err := sessionlog.Append(g.Log); err == nil {
		l.Footer(&rec.Entry, "the launcher was killed; its guardian ended the run")
		l.Close()
	}
	return nil
}

// endRun sends the run's processes SIGTERM and, after grace, SIGKILL, and
// returns when the last of them was gone.
func endRun(p runProcs, grace time.Duration) time.Time {
	if grace <= 0 {
		grace = DefaultGrace
	}
	p.signal(syscall.SIGTERM)
	kill := time.Now().Add(grace)
	var giveUp time.Time
	for p.alive() {
		now := time.Now()
		if giveUp.IsZero() && now.After(kill) {
			p.signal(syscall.SIGKILL)
			giveUp = now.Add(2 * time.Second) // a process stuck in the kernel
		}
		if !giveUp.IsZero() && now.After(giveUp) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Now()
}
