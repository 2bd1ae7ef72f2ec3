package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The concurrency test re-runs this test binary as many appending
// processes: real processes with their own descriptors, as Claude Code
// sessions and launchers on one machine would be.
const envAppendChild = "CCQ_TEST_APPEND_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(envAppendChild); spec != "" {
		os.Exit(appendChild(spec))
	}
	os.Exit(m.Run())
}

func appendChild(spec string) int {
	// spec: dir|writer|count
	parts := strings.Split(spec, "|")
	n, _ := strconv.Atoi(parts[2])
	for i := 0; i < n; i++ {
		e := Entry{TaskID: "task-" + parts[1], Success: i%3 != 0, Tokens: int64(i), LogFile: strings.Repeat("x", i%300), RunID: fmt.Sprintf("%s-%d", parts[1], i)}
		e.SetStart(time.Unix(1795630105, 0))
		if !e.Success {
			e.ErrorType, e.ErrorDetail = ErrExit, "rate_limit"
		}
		if err := Append(parts[0], &e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// TestAppendConcurrentProcesses: 32 processes append 2,000 lines each at
// once; every line must parse and none may be lost or interleaved.
func TestAppendConcurrentProcesses(t *testing.T) {
	const procs, each = 32, 2000
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p := 0; p < procs; p++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%d", envAppendChild, dir, p, each))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Wait(); err != nil {
				errs <- fmt.Errorf("%v: %s", err, stderr.Bytes())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f, err := os.Open(HistoryPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	st, err := ScanLines(f, json.Valid, func(_ int, line []byte) error {
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		if seen[e.RunID] {
			return fmt.Errorf("line %s written twice", e.RunID)
		}
		seen[e.RunID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 0 || len(seen) != procs*each {
		t.Fatalf("%d distinct lines, %d malformed; want %d and 0", len(seen), st.Skipped, procs*each)
	}
}

func TestAppendKeepsTornLineFromSwallowingTheNext(t *testing.T) {
	dir := t.TempDir()
	good := `{"task_id":"a","success":true,"error_type":null,"tokens":1,"duration_s":1,"log_file":"","timestamp":"2026-11-01T00:00:00.000Z"}` + "\n"
	// A writer crashed half way through its line.
	if err := os.WriteFile(HistoryPath(dir), []byte(good+`{"task_id":"torn","succ`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := Entry{TaskID: "after"}
	e.SetStart(time.Now())
	if err := Append(dir, &e); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(HistoryPath(dir))
	defer f.Close()
	var tasks []string
	st, err := ScanLines(f, json.Valid, func(_ int, line []byte) error {
		var e Entry
		json.Unmarshal(line, &e)
		tasks = append(tasks, e.TaskID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tasks, ",") != "a,after" || st.Skipped != 1 || st.FirstSkipped != 2 {
		t.Fatalf("tasks %v, stats %+v; want a,after with line 2 skipped", tasks, st)
	}
}

func TestAppendFullDiskLeavesNothingBehind(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	e := Entry{TaskID: "t"}
	line, _ := e.Marshal()
	if err := AppendLine("/dev/full", line); err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("append to a full device: %v, want 'no space left'", err)
	}
}

func TestEntryKeyOrderAndNull(t *testing.T) {
	e := Entry{TaskID: "nightly", Tokens: 12232, LogFile: "l.md", RunID: "r1", ErrorDetail: ""}
	e.SetStart(time.Date(2026, 11, 25, 18, 8, 25, 123456789, time.FixedZone("x", 3600)))
	e.SetDuration(1234567 * time.Microsecond)
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"task_id":"nightly","success":false,"error_type":null,"tokens":12232,"duration_s":1.235,"log_file":"l.md","timestamp":"2026-11-25T17:08:25.123Z","run_id":"r1"}` + "\n"
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back Entry
	if err := json.Unmarshal(b, &back); err != nil || back.ErrorType != ErrNone {
		t.Fatalf("round trip: %v, %q", err, back.ErrorType)
	}
}

func TestScanLines(t *testing.T) {
	long := `{"x":"` + strings.Repeat("y", maxLine) + `"}`
	in := "{\"a\":1}\n\n  \nnot json\n{\"b\":2}\n" + long + "\n{\"c\":3}\n{\"torn\":"
	var got []int
	st, err := ScanLines(strings.NewReader(in), json.Valid, func(n int, _ []byte) error {
		got = append(got, n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 5 7]" || st.Skipped != 3 || st.FirstSkipped != 4 || st.Lines != 6 {
		t.Fatalf("lines %v, stats %+v", got, st)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		in     string
		prefix string // what is kept of the id
		hashed bool   // a short hash follows, because sanitising changed the id
	}{
		{"nightly-report", "nightly-report", false},
		{"v1.2_build", "v1.2_build", false},
		{"../../etc/passwd", "etc_passwd", true},
		{"a/b", "a_b", true},
		{"a_b", "a_b", false},
		{"tab\there", "tab_here", true},
		{"bell\x07\x1b[31m", "bell___31m", true},
		{"...", "unnamed", true},
		{"", "unnamed", true},
		{"日本", "unnamed", true},
		{"x" + strings.Repeat("y", 300), "x" + strings.Repeat("y", 127), true},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := FileName(tt.in)
		want := regexp.QuoteMeta(tt.prefix)
		if tt.hashed {
			want += "-[0-9a-f]{8}"
		}
		if !regexp.MustCompile("^" + want + "$").MatchString(got) {
			t.Errorf("FileName(%q) = %q, want %s", tt.in, got, want)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("FileName(%q) = FileName(%q) = %q: two ids share a file", tt.in, other, got)
		}
		seen[got] = tt.in
		if FileName(got) != got {
			t.Errorf("FileName(%q) = %q is not stable", got, FileName(got))
		}
	}
}

func TestCleanID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nightly-report", "nightly-report"},
		{"a/b", "a/b"},
		{"日本語のタスク", "日本語のタスク"},
		{"  spaced  ", "spaced"},
		{"bell\x07\x1b[31m", "bell__[31m"},
		{"line\u2028sep", "line_sep"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"", "unnamed"},
		{"\t\n", "unnamed"},
		{strings.Repeat("é", 100), strings.Repeat("é", 64)}, // 128 bytes, not 127 and half
	}
	for _, tt := range tests {
		if got := CleanID(tt.in); got != tt.want {
			t.Errorf("CleanID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLogsDir(t *testing.T) {
	tests := []struct {
		name, flag string
		env        map[string]string
		want       string
	}{
		{"flag wins", "/f", map[string]string{EnvLogsDir: "/e", EnvProjectDir: "/p"}, "/f"},
		{"env next", "", map[string]string{EnvLogsDir: "/e", EnvProjectDir: "/p"}, "/e"},
		{"project dir", "", map[string]string{EnvProjectDir: "/p"}, "/p/logs/scheduler"},
		{"cwd last", "", nil, "/cwd/logs/scheduler"},
		{"relative flag", "rel/logs", nil, "/cwd/rel/logs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LogsDir(tt.flag, tt.env, "/cwd"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
