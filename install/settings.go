package install

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
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
				cmd, ok := cn.str(s.data)
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

// edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// apply splices edits into data. Edits must not overlap.
func apply(data []byte, edits []edit) ([]byte, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last || e.end < e.start || e.end > len(data) {
			return nil, fmt.Errorf("internal error: overlapping edits at %d", e.start)
		}
		out.Write(data[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(data[last:])
	return out.Bytes(), nil
}

// Plan is the result of install or uninstall on one file's text.
type Plan struct {
	Old, New []byte
	// Remove is set when the change leaves an empty object: the file is
	// deleted rather than kept as "{}", which Claude Code reads the same way.
	Remove bool
}

// Changed tells whether the plan changes anything.
func (p Plan) Changed() bool { return p.Remove || !bytes.Equal(p.Old, p.New) }

// planInstall adds or updates ccq's entries for command in the text of a
// settings file (nil for a file that does not exist).
func planInstall(file string, old []byte, command string) (Plan, error) {
	s, err := parseSettings(file, old)
	if err != nil {
		return Plan{}, err
	}
	st := detectStyle(s.data, s.root)
	var edits []edit
	dead := map[*node]bool{}
	var newEvents []string
	appends := map[*node][]string{} // container → rendered items to add

	for _, ev := range Events {
		found := s.ccqHooks(ev)
		if len(found) == 0 {
			list := s.eventList(ev)
			if list == nil {
				newEvents = append(newEvents, ev)
				continue
			}
			appends[list] = append(appends[list], render(group(ev, command), st, indentFor(s.data, list, st)))
			continue
		}
		// Keep the first entry, point it at command, drop any others (an old
		// copy next to a new one would record every run twice).
		first := found[0]
		if first.command != command {
			edits = append(edits, edit{first.cmdNode.start, first.cmdNode.end, jsonString(command)})
		}
		if ev == "SessionEnd" && first.entry.get("timeout") == nil {
			appends[first.entry] = append(appends[first.entry], renderMember("timeout", SessionEndTimeout, st, indentFor(s.data, first.entry, st)))
		}
		for _, h := range found[1:] {
			dead[h.entry] = true
		}
	}
	if len(newEvents) > 0 {
		if hooks := s.hooks(); hooks != nil {
			for _, ev := range newEvents {
				appends[hooks] = append(appends[hooks], renderMember(ev, []any{group(ev, command)}, st, indentFor(s.data, hooks, st)))
			}
		} else {
			var evs obj
			for _, ev := range newEvents {
				evs = append(evs, kv{ev, []any{group(ev, command)}})
			}
			if s.root == nil {
				// An absent, empty or whitespace-only file: write it whole.
				text := "{" + st.nl + st.unit + `"hooks"` + st.colon + render(evs, st, at{indent: st.unit}) + st.nl + "}" + st.nl
				return Plan{Old: old, New: s.bytes([]byte(text))}, nil
			}
			appends[s.root] = append(appends[s.root], renderMember("hooks", evs, st, indentFor(s.data, s.root, st)))
		}
	}
	for c, items := range appends {
		edits = append(edits, appendEdit(s.data, c, items, st))
	}
	rm, empty := removeEdits(s, dead)
	if empty {
		return Plan{}, fmt.Errorf("internal error: install emptied %s", file)
	}
	edits = append(edits, rm...)
	data, err := apply(s.data, edits)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Old: old, New: s.bytes(data)}
	return plan, verify(file, plan.New, command)
}

// planUninstall removes every ccq entry, on any event, and the matcher
// groups, event lists and "hooks" object that this leaves empty.
func planUninstall(file string, old []byte) (Plan, error) {
	s, err := parseSettings(file, old)
	if err != nil {
		return Plan{}, err
	}
	dead := map[*node]bool{}
	for _, h := range s.ccqHooks("") {
		dead[h.entry] = true
	}
	if len(dead) == 0 {
		return Plan{Old: old, New: old}, nil
	}
	edits, empty := removeEdits(s, dead)
	if empty {
		return Plan{Old: old, Remove: true}, nil
	}
	data, err := apply(s.data, edits)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Old: old, New: s.bytes(data)}
	// The result must parse and hold no ccq entry; anything else is a bug
	// that must not reach the user's file.
	after, err := parseSettings(file, plan.New)
	if err != nil {
		return Plan{}, fmt.Errorf("internal error: uninstall would write invalid settings: %w", err)
	}
	if n := len(after.ccqHooks("")); n > 0 {
		return Plan{}, fmt.Errorf("internal error: uninstall left %d ccq entries", n)
	}
	return plan, nil
}

// verify re-reads the text an install produced: it must parse and register
// exactly one ccq entry per event, running command.
func verify(file string, data []byte, command string) error {
	s, err := parseSettings(file, data)
	if err != nil {
		return fmt.Errorf("internal error: install would write invalid settings: %w", err)
	}
	for _, ev := range Events {
		hs := s.ccqHooks(ev)
		if len(hs) != 1 || hs[0].command != command {
			return fmt.Errorf("internal error: install left %d ccq entries on %s", len(hs), ev)
		}
	}
	return nil
}

// group is the matcher group ccq adds to event ev.
func group(ev, command string) obj {
	h := obj{{"type", "command"}, {"command", command}}
	if ev == "SessionEnd" {
		h = append(h, kv{"timeout", SessionEndTimeout})
	}
	return obj{{"hooks", []any{h}}}
}

// removeEdits deletes the dead hook entries and every container they leave
// empty (matcher group, event list, "hooks"). empty reports that the whole
// document would be left an empty object.
func removeEdits(s *settings, dead map[*node]bool) (edits []edit, empty bool) {
	if len(dead) == 0 {
		return nil, false
	}
	hooks := s.hooks()
	deadEvents := map[int]bool{}
	for ei, ev := range hooks.members {
		deadGroups := map[int]bool{}
		for gi, g := range ev.val.elems {
			hs := g.get("hooks")
			deadHooks := map[int]bool{}
			for hi, h := range hs.elemsOrNil() {
				if dead[h] {
					deadHooks[hi] = true
				}
			}
			switch {
			case len(deadHooks) == 0:
			case len(deadHooks) == len(hs.elems):
				deadGroups[gi] = true
			default:
				edits = append(edits, spliceOut(s.data, spans(hs), deadHooks)...)
			}
		}
		switch {
		case len(deadGroups) == 0:
		case len(deadGroups) == len(ev.val.elems):
			deadEvents[ei] = true
		default:
			edits = append(edits, spliceOut(s.data, spans(ev.val), deadGroups)...)
		}
	}
	switch {
	case len(deadEvents) == 0:
		return edits, false
	case len(deadEvents) < len(hooks.members):
		return append(edits, spliceOut(s.data, spans(hooks), deadEvents)...), false
	}
	// "hooks" is left empty: remove it from the root.
	rootDead := map[int]bool{}
	for i, m := range s.root.members {
		if m.val == hooks {
			rootDead[i] = true
		}
	}
	if len(rootDead) == len(s.root.members) {
		return nil, true
	}
	return append(edits, spliceOut(s.data, spans(s.root), rootDead)...), false
}

// span is the text of one element or member: [start, end).
type span struct{ start, end int }

func spans(n *node) []span {
	var out []span
	if n.kind == kObject {
		for _, m := range n.members {
			out = append(out, span{m.keyStart, m.val.end})
		}
		return out
	}
	for _, e := range n.elems {
		out = append(out, span{e.start, e.end})
	}
	return out
}

// spliceOut deletes the dead items of a container, not all of them, with
// their separators. A run of items followed by a kept one is cut up to that
// one's start; a run at the end is cut from the end of the kept item before
// it. This is the exact inverse of appendEdit, so install then uninstall
// gives back the original bytes.
func spliceOut(data []byte, items []span, dead map[int]bool) []edit {
	var edits []edit
	for i := 0; i < len(items); {
		if !dead[i] {
			i++
			continue
		}
		j := i
		for j+1 < len(items) && dead[j+1] {
			j++
		}
		if j+1 < len(items) {
			edits = append(edits, edit{items[i].start, items[j+1].start, ""})
		} else {
			edits = append(edits, edit{items[i-1].end, items[j].end, ""})
		}
		i = j + 1
	}
	return edits
}
