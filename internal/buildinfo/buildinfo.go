// Package buildinfo names the version of ccq's binaries.
package buildinfo

import "runtime/debug"

// Version is set (the value of -ldflags "-X main.version=…") when given;
// otherwise the module version, or "devel-<commit>" for a build from a
// checkout, or "devel".
func Version(set string) string {
	if set != "" {
		return set
	}
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
}
