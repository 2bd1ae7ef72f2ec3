package launch

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parseFM parses a task whose front matter is fm (its first line is line
// 2 of the file).
func parseFM(t *testing.T, fm string) (*Task, error) {
	t.Helper()
	return ParseTask("/t/x.md", []byte("---\n"+fm+"---\nprompt\n"))
}

// TestFrontMatterNumbers: each value is read as yaml.v3 read it into the
// setting's type (the expectations were recorded from ccq built with
// go.yaml.in/yaml/v3 v3.0.6), except a fraction where a whole number goes.
func TestFrontMatterNumbers(t *testing.T) {
	checkValues(t, []valueCase{
		{fm: "max_turns: 7", get: maxTurns, want: 7},
		{fm: "max_turns: 010", get: maxTurns, want: 8}, // YAML 1.1 octal, as yaml.v3
		{fm: "max_turns: 08", get: maxTurns, want: 8},
		{fm: "max_turns: 0x1F", get: maxTurns, want: 31},
		{fm: "max_turns: 0o17", get: maxTurns, want: 15},
		{fm: "max_turns: 0b101", get: maxTurns, want: 5},
		{fm: "max_turns: +5", get: maxTurns, want: 5},
		{fm: "max_turns: 1_000", get: maxTurns, want: 1000},
		{fm: "max_turns: 3.0", get: maxTurns, want: 3},
		{fm: "max_turns: 1e3", get: maxTurns, want: 1000},
		{fm: "max_turns: !!int \"5\"", get: maxTurns, want: 5},
		{fm: "max_turns: &a 5", get: maxTurns, want: 5},
		{fm: "max_turns: 3.5", err: `max_turns: want a whole number, not "3.5"`}, // yaml.v3: 3
		{fm: `max_turns: "5"`, err: `want a whole number, not the quoted string "5" (drop the quotes)`},
		{fm: "max_turns: '5'", err: "drop the quotes"},
		{fm: "max_turns: true", err: `want a whole number, not "true"`},
		{fm: "max_turns: .inf", err: "want a whole number"},
		{fm: "max_turns: 9223372036854775808", err: "want a whole number"},
		{fm: "max_turns: 2001-12-14", err: "want a whole number"},
		{fm: "max_turns: !!str 5", err: "want a whole number"},
		{fm: "max_turns: !!bool 5", err: `"5" is not a bool`},
		{fm: "max_turns: ~", err: "max_turns must be a positive number"}, // null: zero
		{fm: "max_turns:", err: "max_turns must be a positive number"},
		{fm: "retries: 0x2", get: retries, want: 2},
		{fm: "feedback: 12", get: func(s Settings) any { return s.Feedback }, want: 12},
		{fm: "max_budget_usd: 2.5", get: budget, want: 2.5},
		{fm: "max_budget_usd: 3", get: budget, want: 3.0},
		{fm: "max_budget_usd: .5", get: budget, want: 0.5},
		{fm: "max_budget_usd: 1_0.5", get: budget, want: 10.5},
		{fm: "max_budget_usd: !!float 3", get: budget, want: 3.0},
		{fm: `max_budget_usd: "2.5"`, err: "want a number, not the quoted string"},
		{fm: "max_budget_usd: .nan", err: "at least 0.01"},
		{fm: "max_budget_usd: yes", err: `want a number, not "yes"`},
	})
}

// TestFrontMatterOthers: bools, strings and lists, as TestFrontMatterNumbers.
func TestFrontMatterOthers(t *testing.T) {
	checkValues(t, []valueCase{
		{fm: "catch_up: true", get: catchUp, want: true},
		{fm: "catch_up: FALSE", get: catchUp, want: false},
		{fm: "catch_up: yes", get: catchUp, want: true},
		{fm: "catch_up: Off", get: catchUp, want: false},
		{fm: "catch_up: n", get: catchUp, want: false},
		{fm: `catch_up: "yes"`, get: catchUp, want: true},
		{fm: "catch_up: ~", get: catchUp, want: false},
		{fm: "catch_up: tRue", err: `want true or false, not "tRue"`},
		{fm: `catch_up: "true"`, err: "drop the quotes"},
		{fm: "catch_up: 1", err: "want true or false"},
		{fm: "model: 010", get: model, want: "010"}, // a string takes the text as written
		{fm: "model: 1.50", get: model, want: "1.50"},
		{fm: "model: true", get: model, want: "true"},
		{fm: "model: 2001-12-14", get: model, want: "2001-12-14"},
		{fm: "model: ~", get: model, want: ""},
		{fm: "model: null", get: model, want: ""},
		{fm: "model: ''", get: model, want: ""},
		{fm: "model: 'it''s'", get: model, want: "it's"},
		{fm: `model: "a\tb\u00e9"`, get: model, want: "a\tbé"},
		{fm: "model: !!binary aGk=", get: model, want: "hi"},
		{fm: "model: !custom x", get: model, want: "x"},
		{fm: "model: plain\n  continued", get: model, want: "plain continued"},
		{fm: "model: |\n  a\n  b", get: model, want: "a\nb\n"},
		{fm: "model: >-\n  a\n  b", get: model, want: "a b"},
		{fm: "model: !!int x", err: `"x" is not a int`},
		{fm: "model: [a]", err: "model: want a single value"},
		{fm: "model: {a: b}", err: "model: want a single value"},
		{fm: "model: &m x\npermission_mode: *m", err: "permission_mode: want a single value"},
		{fm: "allowed_tools: Read, Write", get: tools, want: []string{"Read, Write"}},
		{fm: "allowed_tools: [Read, 'Bash(git:*)', 1, true]", get: tools, want: []string{"Read", "Bash(git:*)", "1", "true"}},
		{fm: "allowed_tools: [~, '']", get: tools, want: []string{"~", ""}}, // items as written, as yaml.v3
		{fm: "allowed_tools:\n- Read\n- Write", get: tools, want: []string{"Read", "Write"}},
		{fm: "allowed_tools: []", get: tools, want: []string{}},
		{fm: "allowed_tools:", get: tools, want: []string(nil)},
		{fm: "allowed_tools: ''", get: tools, want: []string(nil)},
		{fm: "allowed_tools: {a: b}", err: "allowed_tools: want a list of values"},
		{fm: "timeout: 90s", get: func(s Settings) any { return s.Timeout }, want: 90 * time.Second},
		{fm: "timeout:", err: `timeout: timeout "": want a Go duration`},
	})
}

// valueCase is a front matter of one value and what it sets.
type valueCase struct {
	fm   string
	get  func(s Settings) any
	want any    // when err is ""
	err  string // substring of the error
}

func checkValues(t *testing.T, cases []valueCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.fm, func(t *testing.T) {
			task, err := parseFM(t, tc.fm+"\n")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(task.Settings); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func maxTurns(s Settings) any { return s.MaxTurns }
func budget(s Settings) any   { return s.MaxBudgetUSD }
func model(s Settings) any    { return s.Model }
func tools(s Settings) any    { return s.AllowedTools }
func retries(s Settings) any  { return *s.Retries }
func catchUp(s Settings) any  { return *s.CatchUp }

// TestFrontMatterLines: every error names the file line of the offending
// key, value or list item; the front matter's first line is line 2.
func TestFrontMatterLines(t *testing.T) {
	for _, tc := range []struct{ name, fm, err string }{
		{"key given twice", "model: a\ntimeout: 3m\nmodel: b\n", `/t/x.md:4: key "model" given twice`},
		{"quoted key given twice", "model: a\n\"model\": b\n", `/t/x.md:3: key "model" given twice`},
		{"key with a null value", "model: x\ntimeout:\n", `/t/x.md:3: timeout: timeout ""`},
		{"value on the next line", "model:\n  [a, b]\n", "/t/x.md:3: model: want a single value"},
		{"flow list item", "model: x\nallowed_tools: [Read,\n  Write,\n  [x]]\n", "/t/x.md:5: allowed_tools: list items must be plain values"},
		{"block list item", "allowed_tools:\n  - Read\n  - {b: 1}\n", "/t/x.md:4: allowed_tools: list items must be plain values"},
		{"after a block scalar", "description: |\n  a\n\n  b\nmax_turns: x\n", "/t/x.md:6: max_turns: want a whole number"},
		{"after comments", "# one\n\n# two\nmax_turns: x # three\n", "/t/x.md:5: max_turns:"},
		{"a list", "- a\n- b\n", "/t/x.md:2: front matter must be a mapping of keys to values"},
		{"a null", "~\n", "/t/x.md:2: front matter must be a mapping of keys to values"},
		{"a plain scalar", "\njust text\n", "/t/x.md:3: front matter must be a mapping of keys to values"},
		{"a tab indents a key", "model: x\n\ttimeout: 3m\n", "/t/x.md:3: front matter: "},
		{"syntax error", "model: x\nargs: [a, b\n", "/t/x.md:3: front matter: "},
		{"unterminated string", "model: x\ndescription: \"abc\n", "/t/x.md:3: front matter: "},
		{"second document", "model: x\n--- # more\ntimeout: bad\n", "/t/x.md:3: front matter: a second YAML document starts here"},
		{"document end, then keys", "model: x\n...\ntimeout: 3m\n", "/t/x.md:4: front matter: a second YAML document"},
		{"not UTF-8", "model: x\ndescription: \xff\n", "/t/x.md:3: front matter: not valid UTF-8"},
		{"unknown key", "model: x\n\ntimout: 3m\n", `/t/x.md:4: unknown front matter key "timout"`},
		{"crlf", "model: x\r\ntimeout: bad\r\n", "/t/x.md:3: timeout:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFM(t, tc.fm)
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Fatalf("error %v, want one starting %q", err, tc.err)
			}
		})
	}
}

// TestFrontMatterKeyLines: KeyLine holds the line of each key's value,
// which cmd/ccq names when a value fails later.
func TestFrontMatterKeyLines(t *testing.T) {
	fm := "model: x\ntimeout:\n  90s\nnotify:\n  - a\nping_url: x\n  - y\ndescription: >\n  z\nmax_turns: &n 3\n"
	task, err := parseFM(t, fm)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"model": 2, "timeout": 4, "notify": 6, "ping_url": 7, "description": 9, "max_turns": 11}
	if !reflect.DeepEqual(task.KeyLine, want) {
		t.Errorf("key lines %v, want %v", task.KeyLine, want)
	}
	if task.Settings.PingURL != "x - y" {
		t.Errorf("ping_url %q", task.Settings.PingURL)
	}
}

// TestFrontMatterNothing: comments, blank lines, a byte order mark or an
// explicit document start set nothing and are no error.
func TestFrontMatterNothing(t *testing.T) {
	for _, fm := range []string{"# only a comment\n", "\n\n", "# a\n\n# b\n", "--- # start\nmodel: x\n", "\ufeffmodel: x\n", "model: x\n...\n"} {
		task, err := parseFM(t, fm)
		if err != nil {
			t.Errorf("%q: %v", fm, err)
			continue
		}
		if strings.Contains(fm, "model") != (task.Settings.Model == "x") {
			t.Errorf("%q: model %q", fm, task.Settings.Model)
		}
	}
}

func TestIsYAMLFloat(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "1.": true, "1.5": true, ".5": true, "-1.5e+3": true, "+.5E3": true, "1e3": true,
		"": false, ".": false, "e3": false, "1e": false, "1.5.": false, "--1": false, "1e+": false, ".e3": false, "0x1": false, "1_0": false} {
		if got := isYAMLFloat(s); got != want {
			t.Errorf("isYAMLFloat(%q) = %v", s, got)
		}
	}
	if r := resolvePlain("-.inf"); r.kind != kindFloat || !math.IsInf(r.f, -1) {
		t.Errorf("-.inf: %+v", r)
	}
}

// FuzzFrontMatter: no input makes the parser panic (parseFrontMatter's
// recover would hide one from users, so it is checked for here), and every
// error is a TaskError on a line of the front matter or its fences.
func FuzzFrontMatter(f *testing.F) {
	for _, s := range []string{"model: x\n", "a: [b, {c: d}]\n", "- a\n", "? a\n: b\n", "x: &a 1\ny: *a\n", "x: !!binary aGk=\n",
		"x: |\n  a\n", "%YAML 1.2\n---\nx: 1\n", "x: 1\n...\n---\ny: 2\n", "\tx: 1\n", "x: \"\\u00e9\"\n", "<<: {a: 1}\n", "x: 0x_1F\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, fm []byte) {
		if bytes.IndexByte(fm, 0) >= 0 {
			return // ParseTask refuses a NUL before the front matter is read
		}
		task := &Task{Path: "/t/x.md"}
		err := parseFrontMatter(task, fm, 1)
		if err == nil {
			return
		}
		var te *TaskError
		if !errors.As(err, &te) {
			t.Fatalf("error %v is no TaskError", err)
		}
		if strings.Contains(te.Msg, "cannot be read as YAML (") {
			t.Fatalf("the parser panicked: %v", err)
		}
		// YAML also breaks lines at a lone CR, as yaml.v3 did.
		lines := bytes.Count(fm, []byte{'\n'}) + bytes.Count(fm, []byte{'\r'}) - bytes.Count(fm, []byte("\r\n")) + 2
		if te.Line < 1 || te.Line > lines+1 {
			t.Fatalf("line %d outside the front matter (%d lines)", te.Line, lines)
		}
	})
}

// BenchmarkParseTask reads a task with a typical front matter, as ccq
// launch does once and ccq tasks once per file.
func BenchmarkParseTask(b *testing.B) {
	text := []byte("---\ndescription: nightly checks\ntimeout: 30m\nmodel: sonnet\nmax_turns: 7\n" +
		"allowed_tools: [Read, \"Bash(git:*)\"]\nretries: 2\nretry_on: [transient, timeout]\ncatch_up: false\n" +
		"max_budget_usd: 2.50\nnotify:\n  - https://example.com/hook\n---\nCheck the build.\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTask("/t/x.md", text); err != nil {
			b.Fatal(err)
		}
	}
}
