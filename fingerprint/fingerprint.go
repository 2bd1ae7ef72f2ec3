// Package fingerprint sums up what a run ran with: the client's version, the
// models, the prompt as sent, the memory (CLAUDE.md) and settings files the
// client would load, the git commit of the working directory, the host and
// ccq's version, and the MCP servers and tools the client reported. Each
// part is short (a hash of 8 hex digits where the content is large), so the
// fingerprint rides in every history line, and `ccq check` can name the
// part that changed when a task's numbers shift.
//
// A part that cannot be known is left out: a fingerprint never fails.
package fingerprint

import (
	"encoding/binary"
	"encoding/hex"
	"hash"
	"hash/fnv"
	"os"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// Key is the history line's extra that holds the fingerprint, one object.
const Key = "fp"

// The parts, as the keys of the object.
const (
	PartClaude   = "claude"   // Claude Code's version
	PartModels   = "models"   // every model that answered, comma-separated (a fallback shows)
	PartPrompt   = "prompt"   // hash of the prompt as sent
	PartMemory   = "memory"   // hash of the CLAUDE.md files
	PartSettings = "settings" // hash of the settings files
	PartGit      = "git"      // commit (12 hex), "+dirty" or DirtyUnknown; "none" outside a repository
	PartHost     = "host"
	PartCCQ      = "ccq"
	PartMCP      = "mcp"   // MCP server names, comma-separated
	PartTools    = "tools" // hash of the tool names the client offered
)

// Parts lists the parts in the order messages name them.
var Parts = []string{PartClaude, PartModels, PartPrompt, PartMemory, PartSettings, PartGit, PartHost, PartCCQ, PartMCP, PartTools}

// FP is a fingerprint: part name to value. Unknown parts are absent.
type FP map[string]string

// Hash is the short hash the fingerprint keeps of a large content: 32
// bits of FNV-1a, enough to tell a change. Not a cryptographic hash on
// purpose: ccq-hook takes fingerprints too, and crypto/sha256 would cost
// each of its starts the package init of Go's FIPS module (about 1 ms and
// 14 packages here; internal/depguard TestInitWork).
func Hash(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return sum32(h)
}

// sum32 is the hex of the low 32 bits of h's sum.
func sum32(h hash.Hash64) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(h.Sum64()))
	return hex.EncodeToString(b[:])
}

// Start is the part known before the run: files, git, host, versions.
type Start struct {
	Dir    string // the run's working directory
	Home   string // $HOME of the run ("" when unknown)
	Prompt string // the prompt as sent (see PromptHash)
	CCQ    string // ccq's version
	// Git runs `git status` for the dirty flag; false reads .git only
	// and marks the flag unknown (DirtyUnknown).
	Git bool
}

// Compute takes the parts known before the run.
func Compute(s Start) FP {
	fp := FP{PartPrompt: PromptHash(s.Prompt)}
	set := func(k, v string) {
		if v != "" {
			fp[k] = v
		}
	}
	set(PartCCQ, s.CCQ)
	if h, err := os.Hostname(); err == nil {
		set(PartHost, h)
	}
	root := gitRoot(s.Dir)
	mem, settings := configFiles(s.Dir, s.Home, root)
	set(PartMemory, hashFiles(mem))
	set(PartSettings, hashFiles(settings))
	set(PartGit, gitPart(root, s.Git))
	return fp
}

// AddInit takes the parts Claude Code's stream-json init event tells: its
// version, its MCP servers and its tools.
func (fp FP) AddInit(line []byte) {
	if len(line) == 0 || !gjson.ValidBytes(line) {
		return
	}
	f := gjson.GetManyBytes(line, "claude_code_version", "mcp_servers.#.name", "tools")
	if v := f[0].Str; v != "" {
		fp[PartClaude] = v
	}
	var names []string
	for _, n := range f[1].Array() {
		names = append(names, n.Str)
	}
	sort.Strings(names)
	if len(names) > 0 {
		fp[PartMCP] = strings.Join(names, ",")
	}
	if t := f[2].Array(); len(t) > 0 {
		tools := make([]string, len(t))
		for i, x := range t {
			tools[i] = x.Str
		}
		sort.Strings(tools)
		fp[PartTools] = Hash([]byte(strings.Join(tools, "\n")))
	}
}

// AddTranscriptLine takes the parts one transcript line tells: the
// client's version and the model of an assistant message.
func (fp FP) AddTranscriptLine(line []byte) {
	f := gjson.GetManyBytes(line, "version", "type", "message.model")
	if v := f[0].Str; v != "" && fp[PartClaude] == "" {
		fp[PartClaude] = v
	}
	if f[1].Str == "assistant" {
		fp.AddModels(f[2].Str)
	}
}

// AddModels notes models that answered, in order, once each; the
// synthetic model of an API-error turn is not one.
func (fp FP) AddModels(models ...string) {
	have := []string{}
	if fp[PartModels] != "" {
		have = strings.Split(fp[PartModels], ",")
	}
	for _, m := range models {
		if m == "" || m == "<synthetic>" || strings.ContainsRune(m, ',') {
			continue
		}
		found := false
		for _, h := range have {
			found = found || h == m
		}
		if !found {
			have = append(have, m)
		}
	}
	if len(have) > 0 {
		fp[PartModels] = strings.Join(have, ",")
	}
}

// Map is the fingerprint as the line's extra value.
func (fp FP) Map() map[string]string { return map[string]string(fp) }

// FromLine reads the fingerprint of a history line (nil if it has none).
func FromLine(line []byte) FP {
	r := gjson.GetBytes(line, Key)
	if !r.IsObject() {
		return nil
	}
	fp := FP{}
	r.ForEach(func(k, v gjson.Result) bool {
		if v.Type == gjson.String {
			fp[k.Str] = v.Str
		}
		return true
	})
	return fp
}
