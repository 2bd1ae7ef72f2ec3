package launch

import (
	"context"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/ccq-dev/ccq/internal/proc"
	"github.com/ccq-dev/ccq/recorder"
)

// drainTimeout bounds the wait for the output pipe to reach its end once the
// run's process group is gone: only a process that left the group can still
// hold it open, and ccq does not wait for that one.
const drainTimeout = 500 * time.Millisecond

// superviseOptions is what the supervisor starts and how it watches it.
type superviseOptions struct {
	Bin   string   // claude binary
	Argv  []string // its arguments
	Dir   string   // working directory
	Env   []string
	RunID string // carried in the environment of every process of the run

	// Timeout counts from when the child started (runResult.start):
	// nothing the launcher does before claude runs is on the run's clock.
	Timeout time.Duration // 0: none
	Grace   time.Duration // between SIGTERM and SIGKILL
	// IdleTimeout ends the run like its timeout when nothing of it has
	// been active for that long (see idle); 0: never.
	IdleTimeout time.Duration

	Output   *Stream   // reads the child's stdout and stderr
	Progress io.Writer // terminal for the progress line; nil: none
	Task     string    // for the progress line

	// Started, if set, is called once the child runs, with its pid (which
	// is also its process group's id) and the time it started.
	Started func(pid int, at time.Time)
}

// runResult is what the supervisor saw.
type runResult struct {
	startErr  error
	exitCode  int       // -1 when killed by a signal
	killedBy  os.Signal // signal that killed the child
	forwarded os.Signal // first signal ccq received and passed on
	timedOut  bool
	idle      bool      // timedOut by the idle watchdog
	start     time.Time // when the child started: the run's clock
	end       time.Time // when the child exited
}

// supervisor owns the child and its process group.
type supervisor struct {
	superviseOptions
	cmd      *exec.Cmd
	out      *os.File        // read side of the child's output pipe
	ctx      context.Context // interrupts the run: its signal is passed on
	sigs     chan os.Signal  // signals after the interruption
	procs    runProcs
	readDone chan struct{}
	waitDone chan error
	killC    <-chan time.Time // fires when the grace period is over
	stopping bool             // the run was told to stop; the grace period runs
	res      runResult

	// The idle watchdog: the CPU time of the run's tools last seen, and
	// when it last grew.
	cpu      int64
	cpuMoved time.Time
}

// supervise starts the child, waits for it (passing on an interruption
// (ctx) as its signal, enforcing the timeout), then ends whatever of the
// run is left and reads the rest of its output.
func supervise(ctx context.Context, o superviseOptions) runResult {
	sv := &supervisor{superviseOptions: o, ctx: ctx, sigs: make(chan os.Signal, 4)}
	defer signal.Stop(sv.sigs)
	if err := sv.start(); err != nil {
		return runResult{startErr: err}
	}
	defer sv.out.Close()
	stopProgress := startProgress(sv.Progress, sv.Output, sv.Task, sv.res.start)
	defer stopProgress()
	sv.waitChild()
	sv.endLeftovers()
	sv.drain()
	return sv.res
}

// start starts the child in a process group of its own, its stdout and
// stderr on one pipe that ccq reads.
func (sv *supervisor) start() error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(sv.Bin, sv.Argv...)
	cmd.Dir, cmd.Env = sv.Dir, sv.Env
	// One pipe for stdout and stderr keeps their order. ccq reads it
	// itself (exec starts no copying goroutine for an *os.File), so Wait
	// returns when the child exits, whoever else holds the pipe; the read
	// side is bounded by drainTimeout.
	cmd.Stdout, cmd.Stderr = pw, pw
	ownGroup(cmd)
	err = startLocked(cmd)
	pw.Close()
	if err != nil {
		pr.Close()
		return err
	}
	sv.cmd, sv.out = cmd, pr
	sv.res.start = time.Now()
	sv.procs = runProcs{pgid: cmd.Process.Pid, runID: sv.RunID, since: sv.res.start}
	if sv.Started != nil {
		sv.Started(cmd.Process.Pid, sv.res.start)
	}
	sv.readDone = make(chan struct{})
	go func() {
		defer close(sv.readDone)
		_, _ = sv.Output.ReadFrom(pr)
	}()
	sv.waitDone = make(chan error, 1)
	go func() { sv.waitDone <- cmd.Wait() }()
	return nil
}

// startLocked starts cmd from a thread that stays alive: the child's
// parent-death signal (Linux) fires when the thread that forked it exits,
// and Go ends a thread whose goroutine exits while locked to it.
func startLocked(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Start()
}

// waitChild waits for the child to exit, stopping the run at the deadline
// or on a signal to ccq, and notes how it ended.
func (sv *supervisor) waitChild() {
	var timeoutC <-chan time.Time
	if sv.Timeout > 0 {
		t := time.NewTimer(sv.Timeout - time.Since(sv.res.start))
		defer t.Stop()
		timeoutC = t.C
	}
	var idleC <-chan time.Time
	if sv.IdleTimeout > 0 {
		t := time.NewTicker(idleCheckEvery(sv.IdleTimeout))
		defer t.Stop()
		idleC = t.C
		sv.cpuMoved = time.Now()
	}
	interrupted := sv.ctx.Done()
	for {
		select {
		case <-idleC:
			if !sv.stopping && sv.idle(time.Now()) {
				idleC = nil
				sv.res.timedOut, sv.res.idle = true, true
				sv.terminate(sigTERM)
			}
		case <-sv.waitDone:
			sv.noteExit()
			return
		case <-timeoutC:
			timeoutC = nil
			if sv.res.forwarded == nil {
				sv.res.timedOut = true
			}
			sv.terminate(sigTERM)
		case <-interrupted:
			interrupted = nil
			// The context's signal.NotifyContext hears no more signals
			// once it has cancelled; this channel hears the next ones.
			signal.Notify(sv.sigs, forwardedSignals...)
			if sig := interruption(sv.ctx); !sv.res.timedOut {
				sv.res.forwarded = sig
				sv.terminate(sig)
			} else {
				sv.procs.signal(syscall.SIGKILL)
			}
		case <-sv.sigs:
			// A second signal: stop waiting for a clean end.
			sv.procs.signal(syscall.SIGKILL)
		case <-sv.killC:
			sv.killC = nil
			sv.procs.signal(syscall.SIGKILL)
		}
	}
}

// idleCheckEvery is how often the idle watchdog looks: often enough to
// stop a run within a quarter of its idle timeout, at most once a second.
func idleCheckEvery(d time.Duration) time.Duration {
	return max(min(d/4, time.Second), 10*time.Millisecond)
}

// idle reports whether the run has shown no activity for IdleTimeout. A
// line on claude's stream is activity, and so is CPU time spent by the
// run's tools: any process of the run other than claude itself, and the
// children claude has reaped, so that a long quiet build or test run is
// not taken for a hang. claude's own CPU time is left out: waiting on a
// silent connection, Node still wakes for its timers.
func (sv *supervisor) idle(now time.Time) bool {
	if cpu := sv.procs.toolCPU(); cpu != sv.cpu {
		sv.cpu, sv.cpuMoved = cpu, now
	}
	last := sv.cpuMoved
	if t := sv.Output.LastActive(); t.After(last) {
		last = t
	}
	return now.Sub(last) >= sv.IdleTimeout
}

// terminate passes sig to the run and, the first time, starts the grace
// period after which what is left gets SIGKILL.
func (sv *supervisor) terminate(sig os.Signal) {
	sv.procs.signal(sig.(syscall.Signal))
	if !sv.stopping {
		sv.stopping = true
		sv.killC = time.After(sv.Grace)
	}
}

func (sv *supervisor) noteExit() {
	sv.res.end = time.Now()
	if ps := sv.cmd.ProcessState; ps != nil {
		sv.res.exitCode = ps.ExitCode()
		if sig, ok := waitSignal(ps); ok {
			sv.res.killedBy = sig
		}
	}
}

// endLeftovers ends the tools Claude Code left behind, in its group or out
// of it: SIGTERM and, after what is left of the grace period, SIGKILL.
func (sv *supervisor) endLeftovers() {
	if !sv.procs.alive() {
		return
	}
	sv.terminate(sigTERM)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var giveUp time.Time
	for sv.procs.alive() {
		select {
		case <-tick.C:
		case <-sv.sigs:
			sv.procs.signal(syscall.SIGKILL)
		case <-sv.killC:
			sv.killC = nil
			sv.procs.signal(syscall.SIGKILL)
			giveUp = time.Now().Add(2 * time.Second) // a process stuck in the kernel
		}
		if !giveUp.IsZero() && time.Now().After(giveUp) {
			return
		}
	}
}

// drain waits for the output pipe to reach its end, within drainTimeout.
func (sv *supervisor) drain() {
	select {
	case <-sv.readDone:
	case <-time.After(drainTimeout):
		_ = sv.out.SetReadDeadline(time.Now())
		<-sv.readDone
	}
}

// runProcs finds and signals the processes of a run: its process group and
// the processes carrying its CCQ_RUN_ID that left the group.
type runProcs struct {
	pgid  int // 0: not known, look by CCQ_RUN_ID alone
	runID string
	since time.Time // when the group was made; zero: unknown
}

// recentRun is how long a run may last and still have its escaped
// processes looked for among the pids above its own only: at that pace
// the kernel's pids cannot have gone all the way around.
const recentRun = 10 * time.Second

// scope is how much of the process table to read for escaped processes.
func (p runProcs) scope() proc.Scope {
	if p.pgid > 0 && !p.since.IsZero() && time.Since(p.since) < recentRun {
		return proc.ScanNewer
	}
	return proc.ScanAll
}

func (p runProcs) escaped() []int {
	return proc.Escaped(p.pgid, recorder.EnvRunID+"="+p.runID, p.scope())
}

// signal sends sig to the run's group and to its processes that left it.
func (p runProcs) signal(sig syscall.Signal) {
	if p.pgid > 0 {
		_ = signalGroup(p.pgid, sig)
	}
	for _, pid := range p.escaped() {
		_ = killPid(pid, sig)
	}
}

// toolCPU is the CPU time, in ticks, of the run's processes other than its
// leader (claude), plus what the leader's reaped children used.
func (p runProcs) toolCPU() int64 {
	var sum int64
	for _, pid := range append(proc.GroupMembers(p.pgid), p.escaped()...) {
		self, children, ok := proc.CPUTicks(pid)
		if !ok {
			continue
		}
		if pid != p.pgid {
			sum += self
		}
		sum += children
	}
	return sum
}

// alive reports whether any process of the run is left.
func (p runProcs) alive() bool {
	return len(proc.GroupMembers(p.pgid)) > 0 || len(p.escaped()) > 0
}
