package install

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccq-dev/ccq/internal/shquote"
	"github.com/tidwall/gjson"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCommand is the command the golden files register.
const goldenCommand = "/usr/local/bin/ccq-hook"

// deleted stands for "the file was deleted" in a golden file; no settings
// file can hold it.
const deleted = "(deleted)\n"

// TestGolden installs into and uninstalls from every settings file in
// testdata/golden (real-world shapes: empty, other hooks on the same events,
// matchers, permissions/env/unknown keys, JSON oddities, older ccq entries)
// and compares each result with its golden file, byte for byte.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.json")
	if err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, "testdata/golden/absent.json") // no such file
	if len(inputs) < 15 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			old, err := os.ReadFile(in)
			if name == "absent" {
				old, err = nil, nil
			}
			if err != nil {
				t.Fatal(err)
			}
			ins, err := planInstall(in, old, goldenCommand, Events)
			if err != nil {
				t.Fatalf("install: %v", err)
			}
			golden(t, strings.TrimSuffix(in, ".json")+".install.golden", ins.New)

			again, err := planInstall(in, ins.New, goldenCommand, Events)
			if err != nil || again.Changed() {
				t.Errorf("second install changed the file (err %v):\n%s", err, again.New)
			}

			un, err := planUninstall(in, ins.New)
			if err != nil {
				t.Fatalf("uninstall: %v", err)
			}
			after := un.New
			if un.Remove {
				after = []byte(deleted)
			}
			golden(t, strings.TrimSuffix(in, ".json")+".uninstall.golden", after)

			hadCCQ := bytes.Contains(old, []byte("ccq-hook"))
			if !hadCCQ && !roundTripExempt[name] {
				switch {
				case len(bytes.TrimSpace(old)) == 0 || name == "empty-object":
					if !un.Remove {
						t.Errorf("install+uninstall of an empty settings file should delete it, got:\n%s", un.New)
					}
				case !bytes.Equal(un.New, old):
					t.Errorf("install+uninstall did not give back the original bytes:\n%s", un.New)
				}
			}

			// Against a reference written on decoded JSON (key order
			// ignored): install adds one group per missing event, uninstall
			// removes exactly ccq's entries and what they leave empty.
			if !hadCCQ {
				want := refInstall(t, decode(t, old), goldenCommand)
				if got := decode(t, ins.New); !reflect.DeepEqual(got, want) {
					t.Errorf("install differs from the reference:\n got %v\nwant %v", got, want)
				}
			}
			want := refUninstall(decode(t, ins.New))
			got := map[string]any{}
			if !un.Remove {
				got = decode(t, after)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("uninstall differs from the reference:\n got %v\nwant %v", got, want)
			}
			// Uninstalling straight from the original gives the same text.
			direct, err := planUninstall(in, old)
			if err != nil {
				t.Fatal(err)
			}
			if hadCCQ && (direct.Remove != un.Remove || !bytes.Equal(direct.New, un.New)) {
				t.Errorf("uninstall of the original differs from install+uninstall:\n%s", direct.New)
			}
		})
	}
}

// roundTripExempt lists inputs whose empty containers uninstall removes by
// design ("an event key it leaves empty"), so the original bytes cannot come
// back.
var roundTripExempt = map[string]bool{
	"empty-lists": true, // "Stop": [] is filled, then removed
	"empty-hooks": true, // "hooks": {} is filled, then removed
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	b = bytes.TrimPrefix(b, bom)
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v in:\n%s", err, b)
	}
	return m
}

func refInstall(t *testing.T, root map[string]any, command string) map[string]any {
	hooks, _ := root["hooks"].(map[string]any)
	if hooks == nil {
		hooks = map[string]any{}
		root["hooks"] = hooks
	}
	for _, ev := range Events {
		h := map[string]any{"type": "command", "command": command}
		if ev == "SessionEnd" {
			h["timeout"] = float64(SessionEndTimeout)
		}
		list, _ := hooks[ev].([]any)
		hooks[ev] = append(list, map[string]any{"hooks": []any{h}})
	}
	return root
}

func refUninstall(root map[string]any) map[string]any {
	hooks, _ := root["hooks"].(map[string]any)
	removedEvent := false
	for ev, v := range hooks {
		var groups []any
		removedGroup := false
		for _, g := range v.([]any) {
			gm := g.(map[string]any)
			hs, ok := gm["hooks"].([]any)
			if !ok {
				groups = append(groups, g)
				continue
			}
			var keep []any
			for _, h := range hs {
				if c, _ := h.(map[string]any)["command"].(string); isCCQCommand(c) {
					continue
				}
				keep = append(keep, h)
			}
			switch {
			case len(keep) == len(hs):
				groups = append(groups, g)
			case len(keep) == 0:
				removedGroup = true
			default:
				gm["hooks"] = keep
				groups = append(groups, gm)
			}
		}
		if removedGroup && len(groups) == 0 {
			delete(hooks, ev)
			removedEvent = true
			continue
		}
		if groups == nil {
			groups = []any{}
		}
		hooks[ev] = groups
	}
	if removedEvent && len(hooks) == 0 {
		delete(root, "hooks")
	}
	return root
}

// TestMalformed: settings Claude Code could not use are refused with the
// file, line and column of the problem.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"trailing comma", "{\n  \"model\": \"x\",\n}\n", "f.json:3:1: unexpected character '}', expecting a key in double quotes"},
		{"comment", "{\n  // no comments in JSON\n  \"model\": \"x\"\n}", "f.json:2:3: unexpected character '/', expecting a key in double quotes"},
		{"truncated", "{\n  \"hooks\": {\n    \"Stop\": [", "f.json:3:14: unexpected end of file, expecting a value"},
		{"two documents", "{}\n{}\n", "f.json:2:1: unexpected character '{' after the end of the JSON value"},
		{"single quotes", "{'a': 1}", "f.json:1:2: unexpected character '\\'', expecting a key in double quotes"},
		{"bad escape", `{"a": "\x"}`, `f.json:1:9: invalid escape '\x' in a string`},
		{"control char", "{\"a\": \"tab\there\"}", `f.json:1:11: control character '\t' in a string`},
		{"column counts characters", "{\"é\": 1,, }", "f.json:1:9: unexpected character ',', expecting a key in double quotes"},
		{"root is a list", "[]", "f.json:1:1: the settings are a list, expecting an object"},
		{"hooks is a list", "{\n  \"hooks\": []\n}", `f.json:2:12: "hooks" is a list, expecting an object of events`},
		{"hooks is a string", `{"hooks": "none"}`, `f.json:1:11: "hooks" is a string, expecting an object of events`},
		{"event is an object", "{\"hooks\": {\n  \"Stop\": {\"hooks\": []}}}", `f.json:2:11: hooks event "Stop" is an object, expecting a list`},
		{"other event is null", `{"hooks": {"PreToolUse": null}}`, `f.json:1:26: hooks event "PreToolUse" is a literal, expecting a list`},
		{"group is a string", `{"hooks": {"Stop": ["x"]}}`, `f.json:1:21: a matcher group of "Stop" is a string, expecting an object`},
		{"group hooks is an object", `{"hooks": {"Stop": [{"hooks": {}}]}}`, `f.json:1:31: "hooks" of a matcher group of "Stop" is an object, expecting a list`},
		{"hook is a string", `{"hooks": {"Stop": [{"hooks": ["ccq-hook"]}]}}`, `f.json:1:32: a hook of "Stop" is a string, expecting an object`},
		{"bom then garbage", "\xef\xbb\xbf{,}", "f.json:1:2: unexpected character ',', expecting a key in double quotes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planInstall("f.json", []byte(tc.in), goldenCommand, Events)
			if err == nil || err.Error() != tc.want {
				t.Errorf("install: got %v\nwant %s", err, tc.want)
			}
			_, err = planUninstall("f.json", []byte(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("uninstall: got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestFirstWord(t *testing.T) {
	for _, tc := range []struct{ cmd, want string }{
		{"/usr/bin/ccq-hook", "/usr/bin/ccq-hook"},
		{"  /usr/bin/ccq-hook version", "/usr/bin/ccq-hook"},
		{"'/opt/my tools/ccq-hook'", "/opt/my tools/ccq-hook"},
		{`"/opt/my tools/ccq-hook" x`, "/opt/my tools/ccq-hook"},
		{`/opt/my\ tools/ccq-hook`, "/opt/my tools/ccq-hook"},
		{`"$HOME"/bin/ccq-hook`, "$HOME/bin/ccq-hook"},
		{"ccq-hook;echo", "ccq-hook"},
		{"", ""},
		{"'unterminated", "unterminated"},
	} {
		if got := firstWord(tc.cmd); got != tc.want {
			t.Errorf("firstWord(%q) = %q, want %q", tc.cmd, got, tc.want)
		}
	}
	for cmd, want := range map[string]bool{
		"/usr/local/bin/ccq-hook":            true,
		"ccq-hook":                           true,
		"'/opt/a b/ccq-hook'":                true,
		"${CLAUDE_PLUGIN_ROOT}/bin/ccq-hook": true,
		"/usr/bin/ccq-hook-old":              false,
		"echo ccq-hook":                      false,
		"/usr/bin/ccq":                       false,
	} {
		if got := isCCQCommand(cmd); got != want {
			t.Errorf("isCCQCommand(%q) = %v", cmd, got)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/local/bin/ccq-hook": "/usr/local/bin/ccq-hook",
		"/opt/my tools/ccq-hook":  "'/opt/my tools/ccq-hook'",
		"/it's/ccq-hook":          `'/it'\''s/ccq-hook'`,
		"/a$b/ccq-hook":           "'/a$b/ccq-hook'",
	} {
		got := shquote.Quote(in)
		if got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
		if firstWord(got) != in {
			t.Errorf("firstWord(shellQuote(%q)) = %q", in, firstWord(got))
		}
	}
}

// TestGjsonDuplicateKeys is why lookups go through node.get, never
// gjson.Get: with a duplicated key gjson returns the first value, Claude Code
// (JSON.parse) the last. The golden duplicate-event-keys depends on it.
func TestGjsonDuplicateKeys(t *testing.T) {
	doc := `{"hooks": {"Stop": [1], "Stop": [2]}}`
	if got := gjson.Get(doc, "hooks.Stop").Raw; got != "[1]" {
		t.Fatalf("gjson.Get gave %s; if it now takes the last key, node.get could use it", got)
	}
	root, err := parseJSON("f", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	stop := root.get("hooks").get("Stop")
	if got := doc[stop.start:stop.end]; got != "[2]" {
		t.Errorf("get(Stop) = %s, want the last, [2]", got)
	}
	if n := len(root.get("hooks").members); n != 2 {
		t.Errorf("%d members, want both duplicates kept", n)
	}
}
