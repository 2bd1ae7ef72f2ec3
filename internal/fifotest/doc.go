// Package fifotest gives tests a FIFO to refuse, and a bound on any code
// that might block on one: the helpers every "FIFOs are refused, never
// read" test uses (Unix only: Windows has no FIFOs in the file system).
package fifotest
