package launch

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseTask(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       *Task  // fields checked: Description, Prompt, PromptLine, Settings
		err        string // substring of the error, "" for none
	}{
		{name: "plain prompt", text: "Say hi.\n", want: &Task{Prompt: "Say hi.", PromptLine: 1}},
		{name: "blank lines first", text: "\n\n  Say hi.\n", want: &Task{Prompt: "Say hi.", PromptLine: 3}},
		{name: "front matter", text: "---\ndescription: nightly checks\ntimeout: 30m\nmodel: sonnet\nmax_turns: 7\npermission_mode: acceptEdits\nallowed_tools: [Read, \"Bash(git:*)\"]\ndisallowed_tools: WebFetch\ncwd: /srv/repo\nargs: [--add-dir, /data]\n---\nCheck the build.\n",
			want: &Task{Description: "nightly checks", Prompt: "Check the build.", PromptLine: 12, Settings: Settings{
				Timeout: 30 * time.Minute, Model: "sonnet", MaxTurns: 7, PermissionMode: "acceptEdits",
				AllowedTools: []string{"Read", "Bash(git:*)"}, DisallowedTools: []string{"WebFetch"}, Cwd: "/srv/repo", Args: []string{"--add-dir", "/data"}}}},
		{name: "relative cwd is below the task file", text: "---\ncwd: ../repo\n---\nx\n", want: &Task{Prompt: "x", PromptLine: 4, Settings: Settings{Cwd: "/t/repo"}}},
		{name: "empty front matter", text: "---\n---\nx\n", want: &Task{Prompt: "x", PromptLine: 3}},
		{name: "crlf", text: "---\r\nmodel: opus\r\n---\r\nx\r\n", want: &Task{Prompt: "x", PromptLine: 4, Settings: Settings{Model: "opus"}}},
		{name: "no closing fence", text: "---\nmodel: x\nSay hi.\n", err: "/t/tasks/x.md:1: front matter has no closing --- line"},
		{name: "unknown key", text: "---\nmodel: x\ntimeuot: 3m\n---\nhi\n", err: `/t/tasks/x.md:3: unknown front matter key "timeuot"`},
		{name: "bad duration", text: "---\n\ntimeout: 3 minutes\n---\nhi\n", err: `/t/tasks/x.md:3: timeout: timeout "3 minutes": want a Go duration`},
		{name: "negative duration", text: "---\ntimeout: -3m\n---\nhi\n", err: `/t/tasks/x.md:2: timeout`},
		{name: "bad max_turns", text: "---\nmax_turns: lots\n---\nhi\n", err: "/t/tasks/x.md:2: max_turns:"},
		{name: "zero max_turns", text: "---\nmax_turns: 0\n---\nhi\n", err: "/t/tasks/x.md:2: max_turns: max_turns must be a positive number"},
		{name: "bad yaml", text: "---\nmodel: x\nargs: [a, b\n---\nhi\n", err: "/t/tasks/x.md:"},
		{name: "not a mapping", text: "---\n- a\n- b\n---\nhi\n", err: "/t/tasks/x.md:2: front matter must be a mapping"},
		{name: "duplicate key", text: "---\nmodel: a\nmodel: b\n---\nhi\n", err: "/t/tasks/x.md:"},
		{name: "list where a value goes", text: "---\nmodel: [a, b]\n---\nhi\n", err: "/t/tasks/x.md:2: model: want a single value"},
		{name: "empty prompt", text: "---\nmodel: x\n---\n\n   \n", err: "/t/tasks/x.md:4: empty prompt"},
		{name: "empty file", text: "", err: "/t/tasks/x.md:1: empty prompt"},
		{name: "binary", text: "a\x00b", err: "not a text file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTask("/t/tasks/x.md", []byte(tc.text))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "x" || got.Path != "/t/tasks/x.md" {
				t.Errorf("name %q path %q", got.Name, got.Path)
			}
			if got.Description != tc.want.Description || got.Prompt != tc.want.Prompt || got.PromptLine != tc.want.PromptLine {
				t.Errorf("got description %q prompt %q line %d, want %q %q %d", got.Description, got.Prompt, got.PromptLine, tc.want.Description, tc.want.Prompt, tc.want.PromptLine)
			}
			if !reflect.DeepEqual(got.Settings, tc.want.Settings) {
				t.Errorf("settings %+v, want %+v", got.Settings, tc.want.Settings)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	tasks := filepath.Join(dir, "tasks")
	os.Mkdir(tasks, 0o755)
	os.WriteFile(filepath.Join(tasks, "nightly.md"), []byte("Run the nightly checks.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "other.md"), []byte("Other.\n"), 0o644)
	writeFile(t, filepath.Join(tasks, "日本.md"), "日本語で。\n", 0o644)
	writeFile(t, filepath.Join(tasks, "nightly report.md"), "Report.\n", 0o644)

	for _, tc := range []struct{ arg, name, err string }{
		{arg: "nightly", name: "nightly"},
		{arg: "./other.md", name: "other"},
		{arg: "other.md", name: "other"},
		{arg: filepath.Join(tasks, "nightly.md"), name: "nightly"},
		{arg: "missing", err: "does not exist"},
		{arg: "../etc", err: "no such task"},
		{arg: "a b", err: "no such task"},
		{arg: "日本", name: "日本"},
		{arg: "nightly report", name: "nightly report"},
		{arg: ".hidden", err: "no such task"},
		{arg: "bad\x1bname", err: "no such task"},
		{arg: " nightly", err: "no such task"},
		{arg: "tasks", err: "does not exist"},
		{arg: "./tasks/", err: "not a regular file"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			task, err := Resolve(tc.arg, tasks, dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if task.Name != tc.name {
				t.Errorf("name %q, want %q", task.Name, tc.name)
			}
		})
	}
	if _, err := Resolve("missing", tasks, dir); !errors.Is(err, ErrNoTask) {
		t.Errorf("unknown task: %v does not wrap ErrNoTask", err)
	}
}

func TestTasksDir(t *testing.T) {
	for _, tc := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"", nil, "/cwd/tasks"},
		{"", map[string]string{"CLAUDE_PROJECT_DIR": "/proj"}, "/proj/tasks"},
		{"", map[string]string{EnvTasksDir: "rel", "CLAUDE_PROJECT_DIR": "/proj"}, "/cwd/rel"},
		{"/abs", map[string]string{EnvTasksDir: "/env"}, "/abs"},
	} {
		if got := TasksDir(tc.flag, tc.env, "/cwd"); got != tc.want {
			t.Errorf("TasksDir(%q, %v) = %q, want %q", tc.flag, tc.env, got, tc.want)
		}
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "b.md"), []byte("---\ndescription: bee\n---\nB\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.md"), []byte("A\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.md"), []byte("---\nfoo: 1\n---\nx\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	tasks, bad, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[0].Name != "a" || tasks[1].Name != "b" || tasks[1].Description != "bee" {
		t.Errorf("tasks %+v", tasks)
	}
	if len(bad) != 1 || !strings.Contains(bad[0].Error(), "bad.md:2") {
		t.Errorf("bad %v", bad)
	}
}

func FuzzParseTask(f *testing.F) {
	f.Add([]byte("---\ntimeout: 3m\nargs: [a]\n---\nhi\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		task, err := ParseTask("/t/x.md", data)
		if err == nil && task.Prompt == "" {
			t.Fatal("accepted an empty prompt")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "/t/x.md") {
			t.Fatalf("error without the file: %v", err)
		}
	})
}
