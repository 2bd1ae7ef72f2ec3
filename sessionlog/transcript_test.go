package sessionlog

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// feed renders a transcript file the way ccq-hook does, with the type
// taken from gjson (recorder.ReadSessionFunc finds it faster).
func feed(t testing.TB, data []byte) string {
	var out bytes.Buffer
	tr := Transcript{Open: func(m Meta) *Log {
		l := New(&out)
		l.Header(Header{TaskName: "job", RunID: "r1", Prompt: m.Prompt, Dir: m.Cwd})
		return l
	}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		tr.Line(gjson.GetBytes(sc.Bytes(), "type").Str, sc.Bytes())
	}
	tr.Log()
	return out.String()
}

func TestTranscriptFixture(t *testing.T) {
	data, err := os.ReadFile("../testdata/claude-code-2.1.328/transcript.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	got := feed(t, data)
	// The sections of a launcher's log, in order; Claude Code's one line
	// per content block gives one entry per block.
	want := []string{
		"# job — run r1\n",
		"- **Working directory:** `/project`\n",
		"## Prompt\n\n```\nrun echo hi\n```\n",
		"## Session\n\n_session `f9658234-766f-444f-94d0-defdab706313`, Claude Code 2.1.328, permission mode `bypassPermissions`_\n",
		"**Assistant:**\n\nI'll run a command.\n",
		"**Tool call:** `Bash` — Print hi\n\n```sh\necho hi\n```\n",
		"Result of `Bash`:\n\n```\nhi\n```\n",
		"**Assistant:**\n\nThe command ran; done.\n",
	}
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("log lacks, after what came before, %q:\n%s", w, got)
		}
		rest = rest[i+len(w):]
	}
}

func TestTranscriptAPIError(t *testing.T) {
	data, err := os.ReadFile("../testdata/claude-code-2.1.328/transcript-api-error.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if got := feed(t, data); !strings.Contains(got, "> **API error:** ") {
		t.Errorf("no API error in:\n%s", got)
	}
}

// A tool result without the tool call before it (a resumed run's offset
// fell between them) and an error result are shown too.
func TestTranscriptToolResultAlone(t *testing.T) {
	got := feed(t, []byte(`{"type":"user","message":{"role":"user","content":"go"}}
{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"x","content":[{"type":"text","text":"boom"}],"is_error":true}]}}
{"type":"user","isMeta":true,"message":{"content":"hidden caveat"}}
{"type":"assistant","isSidechain":true,"message":{"content":[{"type":"text","text":"subagent talk"}]}}
`))
	if !strings.Contains(got, "Error:\n\n```\nboom\n```") || strings.Contains(got, "hidden caveat") || strings.Contains(got, "subagent talk") {
		t.Errorf("log:\n%s", got)
	}
}

func FuzzTranscript(f *testing.F) {
	for _, p := range []string{"../testdata/claude-code-2.1.328/transcript.jsonl", "../testdata/claude-code-2.1.328/transcript-api-error.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var small [][]byte
		for _, l := range bytes.Split(b, []byte{'\n'}) {
			if typ := gjson.GetBytes(l, "type").Str; typ == "user" || typ == "assistant" {
				small = append(small, l)
			}
		}
		f.Add(bytes.Join(small, []byte{'\n'}))
	}
	f.Add([]byte("{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"\xff```\"}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got := feed(t, data); !utf8.ValidString(got) {
			t.Fatalf("log is not UTF-8: %q", got)
		}
	})
}
