// Command ccq launches scheduled Claude Code tasks, records exactly one
// history line per run, and answers how those runs are doing.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}
