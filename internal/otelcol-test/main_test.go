// Package otelcoltest runs ccq's OTLP export against a real OpenTelemetry
// Collector built from upstream modules (otelcol/). It is a module of its
// own so that the Collector's dependencies never reach ccq's go.mod, and
// `go test ./...` at the repository root does not run it: .ci/run does,
// with `(cd internal/otelcol-test && go test -race ./...)`.
//
// The Collector binary is built once per go.sum and main.go into
// the user's cache folder, ccq-test/otelcol-<hash>/ (about 2 minutes and 60 MB
// on 2 cores), the ccq binary once per test run. Locally a failed build
// skips the tests with the reason; under CI=true it fails them.
package otelcoltest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
)

var (
	repoRoot   string // the ccq repository
	otelcolBin string // the Collector
	ccqBin     string // ccq, built from the repository
	setupErr   error  // why the binaries are missing
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	tmp, err := os.MkdirTemp("", "ccq-otelcol-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if otelcolBin, err = buildCollector(wd); err != nil {
		setupErr = fmt.Errorf("building the test Collector (needs the Go module proxy for go.opentelemetry.io/collector v0.165.0 and contrib v0.165.1): %w", err)
	} else if ccqBin, err = buildCCQ(tmp); err != nil {
		setupErr = fmt.Errorf("building ccq: %w", err)
	}
	if setupErr != nil && os.Getenv("CI") == "true" {
		fmt.Fprintln(os.Stderr, "FAIL:", setupErr)
		return 1
	}
	return m.Run()
}

// needBinaries skips (locally) when the binaries could not be built; under
// CI TestMain has failed already.
func needBinaries(t *testing.T) {
	t.Helper()
	if setupErr != nil {
		t.Skipf("skipped: %v", setupErr)
	}
}

// buildCollector builds otelcol/ unless the cache has it for this go.sum,
// main.go and Go version.
func buildCollector(moduleDir string) (string, error) {
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum", "otelcol/main.go"} {
		b, err := os.ReadFile(filepath.Join(moduleDir, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	h.Write([]byte(runtime.Version() + runtime.GOOS + runtime.GOARCH))
	dir := filepath.Join(claudetest.CacheRoot(), "otelcol-"+hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, "otelcol")
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "building the test Collector into %s (about 2 minutes the first time)\n", dir)
	tmpBin := bin + ".tmp"
	if err := goBuild(moduleDir, tmpBin, "./otelcol"); err != nil {
		return "", err
	}
	return bin, os.Rename(tmpBin, bin)
}

// buildCCQ builds ccq and, next to it, ccq-helper, which holds the OTLP
// sink and export that these tests reach the Collector through.
func buildCCQ(tmp string) (string, error) {
	bin := filepath.Join(tmp, "ccq")
	return bin, goBuild(repoRoot, tmp+string(filepath.Separator), "-tags", "urfave_cli_no_docs", "./cmd/ccq", "./cmd/ccq-helper")
}

func goBuild(dir, out string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %v in %s: %v\n%s", args, dir, err, stderr.Bytes())
	}
	return nil
}
