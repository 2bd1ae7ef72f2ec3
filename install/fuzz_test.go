package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func addSeeds(f *testing.F) {
	inputs, err := filepath.Glob("testdata/golden/*")
	if err != nil || len(inputs) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x"`, `-0.5e+3`, `[`, `{"a" 1}`, "{\"\\ud800\": 1}", "\xff"} {
		f.Add([]byte(s))
	}
}

// FuzzParse: the spans the installer splices at are right. parseJSON
// (encoding/json's check, then gjson's offsets) accepts exactly what
// encoding/json accepts, every span it records cuts a whole value or key out
// of the text, and a refusal points inside the text.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseJSON("f", data)
		var fe *FormatError
		if err != nil && (!errors.As(err, &fe) || fe.Line < 1 || fe.Col < 1 || fe.Line > bytes.Count(data, []byte("\n"))+1) {
			t.Fatalf("error without a place in the text: %v", err)
		}
		empty := len(bytes.Trim(data, jsonSpace)) == 0
		if valid := json.Valid(data); (err == nil && !empty) != valid {
			t.Fatalf("parser err %v, json.Valid %v", err, valid)
		}
		if err != nil || n == nil {
			return
		}
		if got := data[n.start:n.end]; !bytes.Equal(got, bytes.TrimSpace(data)) {
			t.Fatalf("root spans %q", got)
		}
		var check func(n *node)
		check = func(n *node) {
			if !json.Valid(data[n.start:n.end]) {
				t.Fatalf("value at %d:%d is %q", n.start, n.end, data[n.start:n.end])
			}
			for _, m := range n.members {
				var k string
				if err := json.Unmarshal(data[m.keyStart:m.keyEnd], &k); err != nil || k != m.key {
					t.Fatalf("key %q at %d:%d", m.key, m.keyStart, m.keyEnd)
				}
				check(m.val)
			}
			for _, e := range n.elems {
				check(e)
			}
		}
		check(n)
	})
}

// FuzzInstall: whatever valid settings go in, install writes valid JSON with
// exactly one ccq entry per event and is idempotent; uninstall then writes
// valid JSON with none, and gives the original bytes back when ccq was not
// there and no empty event list or "hooks" object was filled in.
func FuzzInstall(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ins, err := planInstall("f", data, goldenCommand, Events)
		if err != nil {
			return // refused: fine, as long as it says why
		}
		if err := verify("f", ins.New, goldenCommand, Events); err != nil {
			t.Fatal(err)
		}
		again, err := planInstall("f", ins.New, goldenCommand, Events)
		if err != nil || again.Changed() {
			t.Fatalf("not idempotent: %v\n%s", err, again.New)
		}
		un, err := planUninstall("f", ins.New)
		if err != nil {
			t.Fatal(err)
		}
		s, err := parseSettings("f", data)
		if err != nil {
			t.Fatalf("install accepted what parseSettings refuses: %v", err)
		}
		if len(s.ccqHooks("")) > 0 || un.Remove || bytes.Equal(un.New, data) {
			return
		}
		// Only filled empty containers may differ.
		var before, after map[string]any
		if json.Unmarshal(bytes.TrimPrefix(data, bom), &before) != nil || json.Unmarshal(bytes.TrimPrefix(un.New, bom), &after) != nil {
			t.Fatalf("round trip changed the text:\n%q\n%q", data, un.New)
		}
		hooks, _ := before["hooks"].(map[string]any)
		for _, ev := range Events {
			if l, ok := hooks[ev].([]any); ok && len(l) == 0 {
				delete(hooks, ev)
			}
		}
		if hooks != nil && len(hooks) == 0 {
			delete(before, "hooks")
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("round trip changed the settings:\n%q\n%q", data, un.New)
		}
	})
}
