package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustRe(t *testing.T, s string) *Spec {
	t.Helper()
	re, err := CompileRegexp(s)
	if err != nil {
		t.Fatal(err)
	}
	return &Spec{Expect: re}
}

func TestExpect(t *testing.T) {
	for _, tc := range []struct {
		expect, expectNot, result string
		pass                      bool
		detail                    string
	}{
		{expect: `(?i)committed [0-9a-f]{7}`, result: "Done. Committed 1a2b3c4.", pass: true},
		{expect: `(?i)committed [0-9a-f]{7}`, result: "I could not find the file.", detail: "verify: expect `(?i)committed [0-9a-f]{7}`: the result does not match: I could not find the file."},
		{expectNot: `(?i)could not|unable to`, result: "I could not find the file.", detail: `verify: expect_not ` + "`(?i)could not|unable to`" + `: the result matches ("could not")`},
		{expectNot: `(?i)could not`, result: "All good.", pass: true},
		{expect: `ok`, expectNot: `fail`, result: "ok but fail", detail: "verify: expect_not"},
	} {
		s := &Spec{}
		if tc.expect != "" {
			s.Expect = mustRe(t, tc.expect).Expect
		}
		if tc.expectNot != "" {
			s.ExpectNot = mustRe(t, tc.expectNot).Expect
		}
		r := Run(context.Background(), s, Input{Result: tc.result})
		if r.Passed() != tc.pass || !strings.HasPrefix(r.Detail(), tc.detail) {
			t.Errorf("%+v: passed %v, detail %q", tc, r.Passed(), r.Detail())
		}
	}
}

func TestCompileRegexp(t *testing.T) {
	if _, err := CompileRegexp(`(unclosed`); err == nil || !strings.Contains(err.Error(), "missing closing )") {
		t.Errorf("err %v", err)
	}
	if _, err := CompileRegexp(` `); err == nil {
		t.Error("empty pattern accepted")
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "CCQ_RUN_ID=run-1", "CCQ_TASK=job"}
	in := Input{Dir: dir, Env: env, Result: "the answer\nis 42\n"}
	for _, tc := range []struct {
		cmds   []string
		pass   bool
		detail string
	}{
		{[]string{`test "$CCQ_RUN_ID" = run-1`, `grep -q 'is 42'`, `test "$(pwd)" = "` + dir + `"`}, true, ""},
		{[]string{`true`, `echo first; echo second >&2; echo third; echo fourth; exit 3`}, false,
			"verify: verify[2] `echo first; echo second >&2; echo third; echo fourth; exit 3`: exit status 3: first / second / third"},
		{[]string{`no-such-command-ccq`}, false, "verify: verify[1] `no-such-command-ccq`: command not found (exit status 127)"},
		{[]string{`./not-exec.sh`}, false, "command not executable (exit status 126)"},
		{[]string{`false`, `touch must-not-run`}, false, "verify[1] `false`: exit status 1"},
	} {
		if err := os.WriteFile(filepath.Join(dir, "not-exec.sh"), []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := Run(context.Background(), &Spec{Commands: tc.cmds}, in)
		if r.Passed() != tc.pass || !strings.Contains(r.Detail(), tc.detail) {
			t.Errorf("%q: passed %v, detail %q", tc.cmds, r.Passed(), r.Detail())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "must-not-run")); err == nil {
		t.Error("a check ran after a failed one")
	}
}

// TestOutputBounded: megabytes of output keep only the head and the tail.
func TestOutputBounded(t *testing.T) {
	r := Run(context.Background(), &Spec{Commands: []string{`echo HEAD; head -c 5000000 /dev/zero | tr '\0' x; echo; echo TAIL; exit 1`}},
		Input{Dir: t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")}})
	c := r.Failed()
	if c == nil {
		t.Fatal("passed")
	}
	if len(c.Output) > maxKeep+100 || !strings.HasPrefix(c.Output, "HEAD\n") || !strings.HasSuffix(c.Output, "TAIL\n") || !strings.Contains(c.Output, "bytes left out") {
		t.Errorf("output %d bytes: %.80q … %q", len(c.Output), c.Output, c.Output[max(0, len(c.Output)-40):])
	}
	if len(r.Detail()) > 1024 {
		t.Errorf("detail %d bytes", len(r.Detail()))
	}
}

func TestBounded(t *testing.T) {
	for _, n := range []int{0, 5, 10, 11, 37, 1000} {
		b := newBounded(10)
		var want strings.Builder
		for i := 0; i < n; i++ {
			c := byte('a' + i%26)
			b.Write([]byte{c})
			want.WriteByte(c)
		}
		w := want.String()
		got := b.String()
		if n <= 10 && got != w {
			t.Errorf("%d: %q, want %q", n, got, w)
		}
		if n > 10 && (!strings.HasPrefix(got, w[:5]) || !strings.HasSuffix(got, w[n-5:])) {
			t.Errorf("%d: %q from %q", n, got, w)
		}
	}
}

func TestMarkdown(t *testing.T) {
	r := Run(context.Background(), &Spec{Commands: []string{"echo '```'; echo ok", "echo bad; exit 2"}},
		Input{Dir: t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")}})
	md := r.Markdown()
	for _, want := range []string{"- verify[1] ```` echo '```'; echo ok ```` — passed", "\n````\n```\nok\n````\n", "- verify[2] ` echo bad; exit 2 ` — **failed**: exit status 2"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestRunDeadline: the run's deadline cuts a command long before its own
// 5-minute timeout, as a timeout; a command left no time never starts.
func TestRunDeadline(t *testing.T) {
	dir := t.TempDir()
	in := Input{Dir: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, Grace: 200 * time.Millisecond}
	spec := &Spec{Commands: []string{"echo waiting; sleep 300"}, Timeout: 5 * time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	r := Run(ctx, spec, in)
	if took := time.Since(start); took > 60*time.Second {
		t.Errorf("took %v: the 5-minute check was not cut by the run's deadline", took)
	}
	c := r.Failed()
	if c == nil || !c.TimedOut || !strings.Contains(c.Why, "(the run's deadline)") || !strings.Contains(r.Detail(), ": waiting") {
		t.Fatalf("report %+v, detail %q", r, r.Detail())
	}

	passed, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	mark := filepath.Join(dir, "ran")
	r = Run(passed, &Spec{Commands: []string{"touch " + mark}, Timeout: time.Minute}, in)
	if c := r.Failed(); c == nil || !c.TimedOut || c.Why != "not run: the run's deadline had passed" {
		t.Errorf("report %+v", r)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("a command started after the run's deadline")
	}

	// A deadline further away than the command's timeout leaves it alone.
	far, cancel3 := context.WithTimeout(context.Background(), time.Hour)
	defer cancel3()
	r = Run(far, &Spec{Commands: []string{"sleep 300"}, Timeout: 300 * time.Millisecond}, in)
	if c := r.Failed(); c == nil || c.Why != "timed out after 300ms" {
		t.Errorf("report %+v", r)
	}
}
