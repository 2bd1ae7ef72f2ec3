package launch

import "syscall"

// dieWithParent has the kernel send claude SIGTERM if the launcher dies
// (kill -9 included), so Claude Code can run its SessionEnd hooks; the
// guardian ends the rest of the run. The signal fires when the thread that
// forked the child exits, hence startLocked.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGTERM }
