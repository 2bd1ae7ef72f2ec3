// Package claudetest gives end-to-end tests the real Claude Code binary, the
// project's own binaries built fresh, and an environment that points Claude
// Code at a fake API and nowhere else.
package claudetest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/ccq-dev/ccq/recorder"
)

// Version is the Claude Code release the tests run against; the fixtures in
// testdata/claude-code-2.1.328 were captured from it.
const Version = "2.1.328"

// EnvClaude names a claude binary to use instead of the cached npm install.
const EnvClaude = "CCQ_TEST_CLAUDE"

// EnvCache overrides the folder the npm package is installed into.
const EnvCache = "CCQ_TEST_CACHE"

// RepoRoot is the module root, found from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// CacheRoot is where tests keep what they download or build once per
// machine (Claude Code from npm, the test Collector): the user's cache
// folder, never the checkout, so a plugin installed from a checkout where
// the tests ran stays small.
func CacheRoot() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ccq-test")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ccq-test")
	}
	return filepath.Join(os.TempDir(), "ccq-test-cache")
}

// CacheDir is where the Claude Code npm package is installed for tests.
func CacheDir() string {
	if d := os.Getenv(EnvCache); d != "" {
		return d
	}
	return filepath.Join(CacheRoot(), "claude-code-"+Version)
}

var (
	claudeOnce sync.Once
	claudePath string
	claudeErr  error
)

// Claude returns the path of the real Claude Code binary, installing
// @anthropic-ai/claude-code from the npm registry into CacheDir on first use.
// It fails the test when that cannot be done: an end-to-end test that quietly
// skips proves nothing.
//
// It also holds the managed-settings lock shared until t ends (see
// ManagedLock), so no run of this test fires hooks another test put in the
// machine's managed settings.
func Claude(t testing.TB) string {
	t.Helper()
	claudeOnce.Do(func() { claudePath, claudeErr = findOrInstall() })
	if claudeErr != nil {
		t.Fatalf("claudetest: no Claude Code binary: %v\nhint: run .ci/run once, or set %s", claudeErr, EnvClaude)
	}
	ManagedLock(t, false)
	return claudePath
}

// ClaudeManaged is Claude for the one kind of test that writes the
// machine's managed settings (/etc/claude-code/managed-settings.json):
// it holds the managed-settings lock exclusively until t ends. Such a test
// must not call Claude too: flock would make it wait for itself.
func ClaudeManaged(t testing.TB) string {
	t.Helper()
	ManagedLock(t, true)
	claudeOnce.Do(func() { claudePath, claudeErr = findOrInstall() })
	if claudeErr != nil {
		t.Fatalf("claudetest: no Claude Code binary: %v\nhint: run .ci/run once, or set %s", claudeErr, EnvClaude)
	}
	return claudePath
}

// ManagedLockPath is the machine-wide lock that keeps tests running the
// real claude apart from a test that writes the managed settings, whose
// hooks fire in every claude run on the machine while the file is there.
func ManagedLockPath() string { return filepath.Join(os.TempDir(), "ccq-test-managed.lock") }

// ManagedLock takes the managed-settings lock, shared or exclusive, for
// the rest of t, waiting for a holder of the other kind.
func ManagedLock(t testing.TB, exclusive bool) {
	t.Helper()
	f, err := os.OpenFile(ManagedLockPath(), os.O_CREATE|os.O_RDONLY, 0o666) // readable is enough to lock, for every user
	if err != nil {
		t.Fatalf("claudetest: managed-settings lock: %v", err)
	}
	if err := lockFileAs(f, exclusive); err != nil {
		f.Close()
		t.Fatalf("claudetest: managed-settings lock: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

func findOrInstall() (string, error) {
	if p := os.Getenv(EnvClaude); p != "" {
		return p, nil
	}
	dir := CacheDir()
	bin := filepath.Join(dir, "node_modules", ".bin", "claude")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Several test binaries may get here at once; one installs, the others wait.
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := lockFile(lock); err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "@anthropic-ai/claude-code@"+Version)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install: %v\n%s", err, out)
	}
	if _, err := os.Stat(bin); err != nil {
		return "", err
	}
	return bin, nil
}

// BuildTags are the tags the README's build command uses: urfave/cli's
// documentation generator (and the markdown library behind it) costs ccq
// about 4 ms of start-up per run and is never used. Like the README's
// command, Build also sets CGO_ENABLED=0: a static binary skips the
// dynamic loader, another 2 ms of every start.
const BuildTags = "urfave_cli_no_docs"

var (
	buildMu  sync.Mutex
	builtDir string
)

// Build compiles the named packages (such as "./cmd/ccq-hook") once per test
// binary and returns the folder holding the executables.
func Build(t testing.TB, pkgs ...string) string {
	t.Helper()
	if slices.Contains(pkgs, "./cmd/ccq") && !slices.Contains(pkgs, "./cmd/ccq-helper") {
		// ccq hands its integrations to ccq-helper, which it finds next
		// to itself: a ccq built for a test gets its helper.
		pkgs = append(pkgs[:len(pkgs):len(pkgs)], "./cmd/ccq-helper")
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if builtDir == "" {
		d, err := os.MkdirTemp("", "ccq-e2e-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builtDir = d
	}
	for _, p := range pkgs {
		name := filepath.Base(p)
		if _, err := os.Stat(filepath.Join(builtDir, name)); err == nil {
			continue
		}
		cmd := exec.Command("go", "build", "-tags", BuildTags, "-o", filepath.Join(builtDir, name), p)
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", p, err, out)
		}
	}
	return builtDir
}

// Env is the environment for running claude against the fake API at apiURL
// with home as HOME. Proxies point at the fake API too, which refuses them,
// so nothing can leave the machine.
func Env(home, apiURL string) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return []string{
		"PATH=" + path,
		"HOME=" + home,
		"TERM=dumb",
		"LANG=C.UTF-8",
		"ANTHROPIC_BASE_URL=" + apiURL,
		"ANTHROPIC_API_KEY=sk-test",
		"DISABLE_AUTOUPDATER=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_TELEMETRY=1",
		"HTTPS_PROXY=" + apiURL, "HTTP_PROXY=" + apiURL,
		"https_proxy=" + apiURL, "http_proxy=" + apiURL,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"IS_SANDBOX=1",
		"CLAUDE_CODE_MAX_RETRIES=0",
	}
}

// History reads every line of the history file at path as an entry, failing
// the test on a line that does not parse. A file that does not exist holds
// no lines.
func History(t testing.TB, path string) []recorder.Entry {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	defer f.Close()
	var out []recorder.Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e recorder.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("history line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("history: %v", err)
	}
	return out
}
