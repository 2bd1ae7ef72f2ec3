package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ccq-hook": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())) },
	})
}

// TestScripts runs the testscript scripts in testdata/script against the
// real ccq-hook binary. $FIXTURES holds the payloads and transcripts captured
// from Claude Code 2.1.328; $TESTDATA the transcripts captured for this
// project (max turns, SIGTERM, SIGINT).
func TestScripts(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	fixtures := filepath.Join(wd, "..", "..", "testdata", "claude-code-2.1.328")
	if _, err := os.Stat(fixtures); err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	testdata := filepath.Join(wd, "..", "..", "recorder", "testdata")
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("FIXTURES", fixtures)
			env.Setenv("TESTDATA", testdata)
			// The UTC day a session log made now goes under (a script
			// running across midnight UTC may fail; it is one in a million).
			env.Setenv("TODAY", time.Now().UTC().Format("2006-01-02"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"payload": cmdPayload,
			"history": cmdHistory,
			"bigfile": cmdBigfile,
			"exits":   cmdExits,
			"lchown":  cmdLchown,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// payload SRC DST [key=value ...] copies the JSON object in SRC to DST with
// top-level keys set; a value that is valid JSON is used as such, anything
// else as a string. "$WORK" in values is expanded by testscript already.
func cmdPayload(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: payload SRC DST [key=value ...]")
	}
	var m map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &m))
	for _, kv := range args[2:] {
		k, v, _ := strings.Cut(kv, "=")
		var jv any
		if json.Unmarshal([]byte(v), &jv) != nil {
			jv = v
		}
		m[k] = jv
	}
	b, err := json.Marshal(m)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}

// history FILE N [path=json ...] checks that FILE holds exactly N lines, each
// a JSON object, and that the last one has the given values (gjson paths,
// compared as raw JSON). With N = 0 the file may be absent.
func cmdHistory(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: history FILE N [path=json ...]")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	if os.IsNotExist(err) && want == 0 {
		return
	}
	ts.Check(err)
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			ts.Fatalf("history line %d is not JSON: %q", len(lines)+1, sc.Text())
		}
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	ts.Check(sc.Err())
	if len(lines) != want {
		ts.Fatalf("history has %d lines, want %d:\n%s", len(lines), want, data)
	}
	if want == 0 {
		return
	}
	last := lines[len(lines)-1]
	for _, kv := range args[2:] {
		path, v, _ := strings.Cut(kv, "=")
		got := gjson.GetBytes(last, path)
		if !got.Exists() && v == "absent" {
			continue
		}
		if got.Raw != v {
			ts.Fatalf("history %s = %s, want %s\nline: %s", path, got.Raw, v, last)
		}
	}
}

// bigfile NAME SIZE writes SIZE bytes of a JSON string payload to NAME: a
// SessionStart event whose "pad" field holds the bulk.
func cmdBigfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigfile NAME SIZE")
	}
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	w := bufio.NewWriter(f)
	head := `{"session_id":"big-session","hook_event_name":"SessionStart","source":"startup","pad":"`
	fmt.Fprint(w, head)
	pad := bytes.Repeat([]byte("x"), 64<<10)
	for n := len(head) + 2; n < size; n += len(pad) {
		if size-n < len(pad) {
			pad = pad[:size-n]
		}
		w.Write(pad) // an error sticks in w and comes back from Flush
	}
	fmt.Fprint(w, `"}`)
	ts.Check(w.Flush())
	ts.Check(f.Close())
}

// exits N PROG [ARGS...] runs PROG as exec does (its output is then checked
// with stdout and stderr) and checks that it exits with code N.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	code := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		code = ee.ExitCode()
	}
	if code != want {
		ts.Fatalf("%s exited %d, want %d", args[1], code, want)
	}
}

// lchown UID PATH gives PATH itself (a link is not followed) to user UID.
func cmdLchown(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: lchown UID PATH")
	}
	uid, err := strconv.Atoi(args[0])
	ts.Check(err)
	ts.Check(os.Lchown(ts.MkAbs(args[1]), uid, uid))
}
