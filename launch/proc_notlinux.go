//go:build unix && !linux

package launch

import "syscall"

// dieWithParent does nothing: only Linux has a parent-death signal. There,
// a killed launcher's run is ended by its guardian alone.
func dieWithParent(*syscall.SysProcAttr) {}
