package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/internal/claudetest"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/urfave/cli/v2"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ccq": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())) },
	})
}

// TestScripts runs the testscript scripts in testdata/script against the
// real ccq binary.
// ccq-helper, built from this tree, is first on their $PATH, so the
// scripts of metrics, export and the helper's sinks exercise it.
func TestScripts(t *testing.T) {
	dir := filepath.Dir(helperPath(t))
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Setup: func(e *testscript.Env) error {
		e.Setenv("PATH", dir+string(os.PathListSeparator)+e.Getenv("PATH"))
		return nil
	}})
}

// helperPath is ccq-helper built from this tree.
func helperPath(t testing.TB) string {
	return filepath.Join(claudetest.Build(t, "./cmd/ccq-helper"), "ccq-helper")
}

// TestUsageErrors: every complaint about the command line, urfave/cli's or
// ccq's, is one "ccq: error:" line and a hint on stderr, nothing on stdout,
// exit code 2.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
		hint string
	}{
		{[]string{"--no-such-flag"}, "flag provided but not defined: -no-such-flag", "ccq --help lists the flags"},
		{[]string{"stats", "--no-such-flag"}, "flag provided but not defined: -no-such-flag", "ccq stats --help lists the flags"},
		{[]string{"runs", "-n", "abc"}, `-n "abc": parse error`, "ccq runs --help lists the flags"},
		{[]string{"check", "--min-runs", "x"}, `--min-runs "x": parse error`, "ccq check --help lists the flags"},
		{[]string{"check", "--max-duration", "soon"}, `--max-duration "soon": want a duration such as 90s, 15m or 2h`, "ccq check --help lists the flags"},
		{[]string{"show", "--json=maybe", "r1"}, `invalid boolean value "maybe" for -json: parse error`, "ccq show --help lists the flags"},
		{[]string{"stats", "--by"}, "flag needs an argument: -by", "ccq stats --help lists the flags"},
		{[]string{"statz"}, `unknown command "statz"`, "ccq --help lists the commands"},
		{[]string{"export", "otlp", "--no-such-flag"}, "flag provided but not defined: -no-such-flag", "ccq export otlp --help lists the flags"},
		{[]string{"stats", "--by", "month"}, `--by must be day or week, or a fingerprint part (model, claude_version, prompt, host, …), not "month"`, ""},
		{[]string{"runs", "-n", "0"}, "-n must be at least 1", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, nil, &stdout, &stderr, []string{"HOME=/no-home", "CCQ_LOGS_DIR=" + t.TempDir()})
			want := "ccq: error: " + tt.msg + "\n"
			if tt.hint != "" {
				want += "ccq: hint: " + tt.hint + "\n"
			}
			if code != exitUsage || stderr.String() != want || stdout.Len() != 0 {
				t.Errorf("exit %d\nstderr %q\nstdout %q\nwant exit 2, stderr %q", code, stderr.String(), stdout.String(), want)
			}
		})
	}
}

// TestLogsDirFlag: --logs-dir is read before the command or after it (the
// command's wins), then $CCQ_LOGS_DIR, then ./logs/scheduler.
func TestLogsDirFlag(t *testing.T) {
	cwd, _ := os.Getwd()
	tests := []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"stats"}, "", filepath.Join(cwd, "logs", "scheduler")},
		{[]string{"stats"}, "/env", "/env"},
		{[]string{"--logs-dir", "/global", "stats"}, "/env", "/global"},
		{[]string{"stats", "--logs-dir", "/cmd"}, "/env", "/cmd"},
		{[]string{"--logs-dir", "/global", "runs", "--logs-dir", "/cmd"}, "", "/cmd"},
		{[]string{"check", "--logs-dir", "/cmd", "--min-runs", "1"}, "", "/cmd"},
		{[]string{"show", "--logs-dir", "/cmd", "r1"}, "", "/cmd"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+" env="+tt.env, func(t *testing.T) {
			var got string
			a := &appEnv{env: map[string]string{}, cwd: cwd, stdout: io.Discard, stderr: io.Discard}
			if tt.env != "" {
				a.env["CCQ_LOGS_DIR"] = tt.env
			}
			app := newApp(a)
			for _, cmd := range app.Commands {
				cmd.Action = func(c *cli.Context) error { got = readLogsDir(a, c); return nil }
			}
			if err := app.Run(append([]string{"ccq"}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("logs dir %q, want %q", got, tt.want)
			}
		})
	}
}
