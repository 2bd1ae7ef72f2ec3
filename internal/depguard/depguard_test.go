package depguard

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

var update = flag.Bool("update", false, "rewrite cmd/*/deps.txt from go list")

// forbidden are the packages ccq must not link (prefixes of import paths):
// they cost every command start-up time, and ccq-helper holds them. net
// and net/http (with crypto/tls and crypto/x509 behind them) were 40% of
// ccq's start: pings, webhooks and report --serve are the helper's too.
// Any crypto package links Go's FIPS module, a dozen package inits at
// every start: ccq derives its ids with internal/idhash and writes the
// report's CSP hashes out.
var forbidden = []string{
	"go.opentelemetry.io/",
	"google.golang.org/grpc",
	"github.com/nicholas-fedor/shoutrrr",
	"github.com/prometheus/client_golang",
	"net/http",
	"crypto/",
}

// deps are the import paths (pkgs) and the modules, the main one left
// out, that the binary built from pkg links, built as the README builds it.
func deps(t *testing.T, pkg string) (pkgs, mods []string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", claudetest.BuildTags,
		"-f", "{{.ImportPath}} {{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}", pkg)
	cmd.Dir = claudetest.RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		p, m, _ := strings.Cut(l, " ")
		pkgs = append(pkgs, p)
		if m != "" && !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	slices.Sort(mods)
	return pkgs, mods
}

// TestDeps: ccq links none of the forbidden packages, ccq-hook not even
// net, and each links exactly the modules its deps.txt lists.
func TestDeps(t *testing.T) {
	for _, bin := range []string{"ccq", "ccq-hook"} {
		t.Run(bin, func(t *testing.T) {
			pkgs, mods := deps(t, "./cmd/"+bin)
			for _, p := range pkgs {
				if bin == "ccq" && slices.ContainsFunc(forbidden, func(f string) bool { return strings.HasPrefix(p, f) }) {
					t.Errorf("ccq links %s: that belongs in ccq-helper (or out of ccq)", p)
				}
				if p == "net" {
					t.Errorf("%s links net: the hook must not reach the network, and ccq leaves it to ccq-helper", bin)
				}
			}
			checkList(t, bin, mods)
		})
	}
}

// checkList compares mods with cmd/<bin>/deps.txt, or rewrites it.
func checkList(t *testing.T, bin string, mods []string) {
	path := filepath.Join(claudetest.RepoRoot(), "cmd", bin, "deps.txt")
	header := "# Modules linked into " + bin + " (go list -deps -tags " + claudetest.BuildTags + " ./cmd/" + bin + ").\n" +
		"# A new one costs every run start-up time: add it with a reason, by\n" +
		"# go test ./internal/depguard -run TestDeps -update\n"
	if *update {
		if err := os.WriteFile(path, []byte(header+strings.Join(mods, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/depguard -run TestDeps -update writes it)", err)
	}
	var listed []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			listed = append(listed, l)
		}
	}
	for _, m := range mods {
		if !slices.Contains(listed, m) {
			t.Errorf("%s links module %s, which cmd/%s/deps.txt does not list (add it with a reason: -update)", bin, m, bin)
		}
	}
	for _, m := range listed {
		if !slices.Contains(mods, m) {
			t.Errorf("cmd/%s/deps.txt lists %s, which %s no longer links (-update)", bin, m, bin)
		}
	}
}

// initWork is the sum over a process's package inits, as
// GODEBUG=inittrace=1 prints them.
type initWork struct {
	inits         int
	clockMs       float64
	bytes, allocs int64
}

func traceInit(t *testing.T, bin string, args ...string) initWork {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"GODEBUG=inittrace=1", "HOME=/no-home", "PATH=/usr/bin:/bin"}
	cmd.Stdin = strings.NewReader("{}")
	out, _ := cmd.CombinedOutput() // ccq-hook exits 0 anyway; ccq --version too
	var w initWork
	for _, l := range strings.Split(string(out), "\n") {
		// init internal/godebug @2.4 ms, 0.40 ms clock, 312 bytes, 7 allocs
		f := strings.Fields(l)
		if len(f) != 11 || f[0] != "init" || f[6] != "clock," {
			continue
		}
		c, _ := strconv.ParseFloat(f[4], 64)
		b, _ := strconv.ParseInt(f[7], 10, 64)
		a, _ := strconv.ParseInt(f[9], 10, 64)
		w.inits, w.clockMs, w.bytes, w.allocs = w.inits+1, w.clockMs+c, w.bytes+b, w.allocs+a
	}
	if w.inits == 0 {
		t.Fatalf("%s %v printed no init trace:\n%s", bin, args, out)
	}
	return w
}

// TestInitWork bounds what the packages' init functions do before main
// runs: the heap bytes and allocations (which do not depend on the
// machine's load) tightly enough that the ccq of before the split (230
// inits, 747 kB, 5,194 allocations) fails, and so does the ccq that still
// linked net/http (107 inits, 219 kB, 1,382 allocations; without it 64,
// 100 kB, 615), and so does the ccq that still linked yaml.v3, crypto and
// encoding/xml (63, 98 kB, 612; without them 52, 57 kB, 340), the clock
// time loosely.
func TestInitWork(t *testing.T) {
	dir := claudetest.Build(t, "./cmd/ccq", "./cmd/ccq-hook")
	tests := []struct {
		bin    string
		args   []string
		inits  int
		bytes  int64
		allocs int64
	}{
		{"ccq", []string{"--version"}, 58, 72 << 10, 450},
		{"ccq-hook", nil, 40, 32 << 10, 200},
	}
	for _, tt := range tests {
		w := traceInit(t, filepath.Join(dir, tt.bin), tt.args...)
		t.Logf("%s: %d inits, %.2f ms, %d bytes, %d allocs", tt.bin, w.inits, w.clockMs, w.bytes, w.allocs)
		if w.inits > tt.inits || w.bytes > tt.bytes || w.allocs > tt.allocs {
			t.Errorf("%s: %d packages with init work, %d bytes, %d allocs; want at most %d, %d, %d",
				tt.bin, w.inits, w.bytes, w.allocs, tt.inits, tt.bytes, tt.allocs)
		}
		if w.clockMs > 100 {
			t.Errorf("%s: inits took %.1f ms", tt.bin, w.clockMs)
		}
	}
}
