package main

import (
	"os"
	"regexp"
	"syscall"
	"testing"

	"github.com/ccq-dev/ccq/launch"
)

// TestLaunchExitCode: the table, and the README's exit-code table that
// mirrors it.
func TestLaunchExitCode(t *testing.T) {
	for _, tc := range []struct {
		out  launch.Outcome
		want int
	}{
		{launch.Outcome{Ending: launch.Exited, Code: 0}, 0},
		{launch.Outcome{Ending: launch.Exited, Code: 33}, 33},
		{launch.Outcome{Ending: launch.TimedOut, Code: 143}, exitTimeout},
		{launch.Outcome{Ending: launch.StartFailed}, exitCannotStart},
		{launch.Outcome{Ending: launch.Signalled, Code: 0, Signal: syscall.SIGINT}, 130},
		{launch.Outcome{Ending: launch.Signalled, Code: -1, Signal: syscall.SIGKILL}, 137},
		{launch.Outcome{Ending: launch.Skipped}, 75},
		{launch.Outcome{Ending: launch.GaveUp, Code: 1}, 75},
	} {
		if got := launchExitCode(&tc.out); got != tc.want {
			t.Errorf("%v (code %d, signal %v): exit %d, want %d", tc.out.Ending, tc.out.Code, tc.out.Signal, got, tc.want)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip(err)
	}
	for _, row := range []string{`\| 124 \| the run timed out`, `\| 127 \| claude could not be started`, `\| 128\+n \| signal n ended the run`, `\| N \| claude exited N`, `\| 2 \| bad flags, unknown task`, `\| 75 \| skipped: another run of the task`} {
		if !regexp.MustCompile(row).Match(readme) {
			t.Errorf("README's exit-code table lacks the row %s", row)
		}
	}
}
