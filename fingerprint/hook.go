package fingerprint

import (
	"strings"

	"github.com/tidwall/gjson"
)

// DirtyUnknown ends the git part of a fingerprint whose dirty flag nobody
// looked at: ccq-hook reads the commit from .git but runs no git, so its
// "3f2a9c1b0d4e+dirty?" says "this commit, tracked files unknown", where
// the launcher writes "3f2a9c1b0d4e" (clean) or "3f2a9c1b0d4e+dirty".
const DirtyUnknown = "+dirty?"

// FeedbackHeading introduces the digest ccq launch appends to a task's
// prompt (feedback: N). The prompt part hashes what comes before it: the
// digest changes with every run and is not what a prompt change means.
const FeedbackHeading = "\n\n## Recent runs of this task (from ccq)\n\n"

// PromptHash is the prompt part of a prompt as sent: its hash, the
// feedback digest and surrounding blanks left out.
func PromptHash(prompt string) string {
	prompt, _, _ = strings.Cut(prompt, FeedbackHeading)
	return Hash([]byte(strings.TrimSpace(prompt)))
}

// Scan takes the parts a run's transcript tells (the client's version,
// the models that answered, the prompt) in the pass ccq-hook makes over
// the transcript at SessionEnd anyway, for the line of a run no launcher
// fingerprinted. It looks into user and assistant lines only, and into
// each user line only until it has the prompt, so it adds no pass and no
// measurable time to the hook.
type Scan struct {
	fp     FP
	prompt string
	found  bool // the prompt was found
	done   bool // the first user message was looked at
	next   func(typ string, line []byte)
}

// NewScan returns a Scan that hands every line on to next (nil: none).
func NewScan(next func(typ string, line []byte)) *Scan {
	return &Scan{fp: FP{}, next: next}
}

// Visit is the visitor for recorder.ReadSessionFunc: it takes what line
// tells, then passes it to next.
func (s *Scan) Visit(typ string, line []byte) {
	switch typ {
	case "assistant":
		f := gjson.GetManyBytes(line, "message.model", "version")
		s.fp.AddModels(f[0].Str)
		s.version(f[1].Str)
	case "user":
		if !s.done {
			s.user(line)
		}
	}
	if s.next != nil {
		s.next(typ, line)
	}
}

// user takes the prompt from the run's first user message (a meta message
// Claude Code adds itself is none): a string, or text blocks. When that
// message is a tool result, the run's part of the transcript began in the
// middle of a turn and its prompt is unknown.
func (s *Scan) user(line []byte) {
	f := gjson.GetManyBytes(line, "isMeta", "message.content", "version")
	s.version(f[2].Str)
	if f[0].Bool() {
		return
	}
	s.done = true
	content := f[1]
	switch {
	case content.Type == gjson.String:
		s.prompt, s.found = content.Str, true
	case content.IsArray():
		var texts []string
		for _, b := range content.Array() {
			if b.Get("type").Str != "text" {
				return
			}
			texts = append(texts, b.Get("text").Str)
		}
		s.prompt, s.found = strings.Join(texts, "\n\n"), len(texts) > 0
	}
}

func (s *Scan) version(v string) {
	if v != "" && s.fp[PartClaude] == "" {
		s.fp[PartClaude] = v
	}
}

// HookStart is what ccq-hook knows of a run beside its transcript.
type HookStart struct {
	Dir  string // the session's working directory (the payload's cwd)
	Home string // $HOME of the session
	CCQ  string // ccq-hook's version
}

// Hook is the run's fingerprint as ccq-hook can take it: the transcript's
// parts, then the files, the commit read from .git (its dirty flag
// unknown: DirtyUnknown), the host and ccq's version, as Compute takes
// them for the launcher, so `stats --by` and `check` read hook lines the
// same way. It runs no process and reaches no network. The MCP servers
// and the tools offered are in the stream only a launcher reads: absent.
// A prompt not found is absent too. Call it once the transcript is read.
func (s *Scan) Hook(h HookStart) FP {
	fp := Compute(Start{Dir: h.Dir, Home: h.Home, CCQ: h.CCQ})
	delete(fp, PartPrompt)
	if h.Dir == "" {
		// No folder to look in: files and commit are unknown, not absent.
		delete(fp, PartMemory)
		delete(fp, PartSettings)
		delete(fp, PartGit)
	}
	if s.found {
		fp[PartPrompt] = PromptHash(s.prompt)
	}
	for k, v := range s.fp {
		fp[k] = v
	}
	return fp
}

// AddTo puts the run's fingerprint (Hook) in a line's extras, making the
// map when there is none, and returns it.
func (s *Scan) AddTo(extra map[string]any, h HookStart) map[string]any {
	if extra == nil {
		extra = map[string]any{}
	}
	extra[Key] = s.Hook(h).Map()
	return extra
}
