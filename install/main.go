// Package install registers ccq-hook in Claude Code's settings files.
package install

import (
	"fmt"
	"io"
)

// Main runs an install subcommand (install, uninstall, status) and returns
// the process exit code.
func Main(args []string, env map[string]string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "ccq-hook: error: %s is not implemented yet\n", args[0])
	return 2
}
