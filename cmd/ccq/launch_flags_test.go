package main

import (
	"testing"

	"github.com/ccq-dev/ccq/launch"
)

// TestSettingFlags: every task setting launch says a flag overrides is a
// flag of `ccq launch`, so the table in launch/settings.go and the
// command line cannot drift apart.
func TestSettingFlags(t *testing.T) {
	have := map[string]bool{}
	for _, f := range createLaunchCommand(&appEnv{}).Flags {
		for _, n := range f.Names() {
			have[n] = true
		}
	}
	flags := launch.SettingFlags()
	if len(flags) < 10 {
		t.Fatalf("only %d settings with a flag: %v", len(flags), flags)
	}
	for key, flag := range flags {
		if !have[flag] {
			t.Errorf("setting %s: no flag --%s on ccq launch", key, flag)
		}
	}
}
