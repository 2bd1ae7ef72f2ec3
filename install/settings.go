package install

import (
	"bytes"
	"path/filepath"
	"strings"
)

// Events are the hook events ccq-hook must receive, in the order they are
// written to a settings file.
var Events = []string{"SessionStart", "Stop", "StopFailure", "SessionEnd"}

// SessionEndTimeout raises Claude Code's SessionEnd budget (1.5 s by default,
// capped at 60 s): at SessionEnd ccq-hook reads the whole transcript.
const SessionEndTimeout = 30

// BinaryName is the base name that marks a hook command as ccq's own.
const BinaryName = "ccq-hook"

var bom = []byte("\xef\xbb\xbf")

// settings is one parsed settings file.
type settings struct {
	file string // for messages
	bom  bool   // the text started with a UTF-8 byte order mark (kept, not parsed)
	data []byte // the text without the byte order mark
	root *node  // nil for an empty or absent file
}

// ccqHook is one hook entry recognised as ccq's.
type ccqHook struct {
	event   string
	entry   *node // the {"type":"command",...} object
	command string
	cmdNode *node
}

func parseSettings(file string, data []byte) (*settings, error) {
	s := &settings{file: file, data: data}
	if bytes.HasPrefix(data, bom) {
		s.bom, s.data = true, data[len(bom):]
	}
	root, err := parseJSON(file, s.data)
	if err != nil {
		return nil, err
	}
	s.root = root
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// bytes is the full file text of s.data with its byte order mark, if any.
func (s *settings) bytes(data []byte) []byte {
	if !s.bom {
		return data
	}
	return append(append([]byte{}, bom...), data...)
}

// check refuses a structure Claude Code itself would reject, before anything
// is changed: the root, "hooks", every event, every matcher group and every
// hook entry must have the right type.
func (s *settings) check() error {
	if s.root == nil {
		return nil
	}
	if s.root.kind != kObject {
		return s.errAt(s.root, "the settings are %s, expecting an object", s.root.kind)
	}
	hooks := s.root.get("hooks")
	if hooks == nil {
		return nil
	}
	if hooks.kind != kObject {
		return s.errAt(hooks, `"hooks" is %s, expecting an object of events`, hooks.kind)
	}
	for _, ev := range hooks.members {
		if ev.val.kind != kArray {
			return s.errAt(ev.val, "hooks event %q is %s, expecting a list", ev.key, ev.val.kind)
		}
		for _, g := range ev.val.elems {
			if g.kind != kObject {
				return s.errAt(g, "a matcher group of %q is %s, expecting an object", ev.key, g.kind)
			}
			hs := g.get("hooks")
			if hs == nil {
				continue
			}
			if hs.kind != kArray {
				return s.errAt(hs, `"hooks" of a matcher group of %q is %s, expecting a list`, ev.key, hs.kind)
			}
			for _, h := range hs.elems {
				if h.kind != kObject {
					return s.errAt(h, "a hook of %q is %s, expecting an object", ev.key, h.kind)
				}
			}
		}
	}
	return nil
}

// errAt reports a problem at n, with the line and column in the file as it
// is on disk (a byte order mark is not a character an editor shows).
func (s *settings) errAt(n *node, format string, args ...any) error {
	return errAt(s.file, s.data, n.start, format, args...)
}

// hooks returns the object of event lists, or nil.
func (s *settings) hooks() *node { return s.root.get("hooks") }

// ccqHooks lists ccq's hook entries in file order: those Claude Code would
// run for event, or, when event is "", every one in the file.
func (s *settings) ccqHooks(event string) []ccqHook {
	var out []ccqHook
	hooks := s.hooks()
	if hooks == nil {
		return nil
	}
	for _, ev := range hooks.members {
		// For one event, only the list Claude Code reads: with a duplicated
		// key, the last one.
		if event != "" && ev.val != hooks.get(event) {
			continue
		}
		for _, g := range ev.val.elems {
			for _, h := range g.get("hooks").elemsOrNil() {
				cn := h.get("command")
				cmd, ok := cn.text()
				if !ok || !isCCQCommand(cmd) {
					continue
				}
				out = append(out, ccqHook{event: ev.key, entry: h, command: cmd, cmdNode: cn})
			}
		}
	}
	return out
}

func (n *node) elemsOrNil() []*node {
	if n == nil || n.kind != kArray {
		return nil
	}
	return n.elems
}

// eventList returns the list of event ev as Claude Code reads it (the last
// occurrence of the key).
func (s *settings) eventList(ev string) *node { return s.hooks().get(ev) }

// IsCCQCommand tells whether a hook command runs ccq-hook: the base name of
// its first word is ccq-hook, whatever folder it is in.
func IsCCQCommand(cmd string) bool { return isCCQCommand(cmd) }

// isCCQCommand tells whether a hook command runs ccq-hook: the base name of
// its first word is ccq-hook, whatever folder it is in.
func isCCQCommand(cmd string) bool {
	w := firstWord(cmd)
	return w != "" && filepath.Base(w) == BinaryName
}

// firstWord is the program of a shell command line: its first word with
// quotes and backslashes removed.
func firstWord(cmd string) string {
	var b strings.Builder
	i := 0
	for i < len(cmd) && (cmd[i] == ' ' || cmd[i] == '\t' || cmd[i] == '\n') {
		i++
	}
	for i < len(cmd) {
		c := cmd[i]
		switch c {
		case ' ', '\t', '\n', ';', '&', '|':
			return b.String()
		case '\'':
			j := strings.IndexByte(cmd[i+1:], '\'')
			if j < 0 {
				b.WriteString(cmd[i+1:])
				return b.String()
			}
			b.WriteString(cmd[i+1 : i+1+j])
			i += j + 2
			continue
		case '"':
			i++
			for i < len(cmd) && cmd[i] != '"' {
				if cmd[i] == '\\' && i+1 < len(cmd) && strings.IndexByte(`"\$`+"`", cmd[i+1]) >= 0 {
					i++
				}
				b.WriteByte(cmd[i])
				i++
			}
			i++
			continue
		case '\\':
			if i+1 < len(cmd) {
				i++
			}
		}
		b.WriteByte(cmd[i])
		i++
	}
	return b.String()
}

// Program is the program a hook command runs: its first word, unquoted.
func Program(cmd string) string { return firstWord(cmd) }
