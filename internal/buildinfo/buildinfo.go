// Package buildinfo names the version of ccq's binaries.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Version is set (the value of -ldflags "-X main.version=…") when given;
// otherwise the module version, or "devel-<commit>" for a build from a
// checkout, or "devel".
func Version(set string) string {
	if set != "" {
		return set
	}
	return fromBuild()
}

// fromBuild parses the build information once: ccq asks for its version
// for the help and again for a run's fingerprint.
var fromBuild = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
})
