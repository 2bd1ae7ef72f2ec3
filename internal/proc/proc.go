// Package proc reads what ccq needs to know about processes: when one
// started (an identity that survives pid reuse), whether it is alive, which
// processes are in a group, and which carry a run's id in their
// environment. On Linux it reads /proc; elsewhere it answers what kill(2)
// can tell.
package proc

// Scope says how much of the process table Escaped reads.
type Scope int

const (
	// ScanAll reads every process.
	ScanAll Scope = iota
	// ScanNewer reads only pids above the group's own, valid while pids
	// cannot have wrapped around since the group started (a run that began
	// moments ago): pids are handed out in increasing order until they wrap.
	// That keeps the common case to a handful of reads.
	ScanNewer
)
