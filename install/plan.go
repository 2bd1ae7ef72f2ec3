package install

import (
	"bytes"
	"fmt"
	"sort"
)

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
func planInstall(file string, old []byte, command string, events []string) (Plan, error) {
	s, err := parseSettings(file, old)
	if err != nil {
		return Plan{}, err
	}
	b := &installEdits{s: s, st: detectStyle(s.data, s.root), command: command,
		dead: map[*node]bool{}, appends: map[*node][]string{}}
	var newEvents []string
	for _, ev := range events {
		if !b.update(ev) {
			newEvents = append(newEvents, ev)
		}
	}
	if whole := b.add(newEvents); whole != nil {
		return Plan{Old: old, New: s.bytes(whole)}, nil
	}
	edits := b.edits
	for c, items := range b.appends {
		edits = append(edits, appendEdit(s.data, c, items, b.st))
	}
	rm, empty := removeEdits(s, b.dead)
	if empty {
		return Plan{}, fmt.Errorf("internal error: install emptied %s", file)
	}
	data, err := apply(s.data, append(edits, rm...))
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Old: old, New: s.bytes(data)}
	return plan, verify(file, plan.New, command, events)
}

// installEdits collects the changes of one install.
type installEdits struct {
	s       *settings
	st      style
	command string
	edits   []edit
	dead    map[*node]bool     // ccq entries to remove
	appends map[*node][]string // container → rendered items to add
}

// update registers the command for ev in the file's list of ev, and says
// false when the file has no such list.
func (b *installEdits) update(ev string) bool {
	s, st := b.s, b.st
	found := s.ccqHooks(ev)
	if len(found) == 0 {
		list := s.eventList(ev)
		if list == nil {
			return false
		}
		b.appends[list] = append(b.appends[list], render(group(ev, b.command), st, indentFor(s.data, list, st)))
		return true
	}
	// Keep the first entry, point it at command, drop any others (an old
	// copy next to a new one would record every run twice).
	first := found[0]
	if first.command != b.command {
		b.edits = append(b.edits, edit{first.cmdNode.start, first.cmdNode.end, jsonString(b.command)})
	}
	if ev == "SessionEnd" && first.entry.get("timeout") == nil {
		b.appends[first.entry] = append(b.appends[first.entry], renderMember("timeout", SessionEndTimeout, st, indentFor(s.data, first.entry, st)))
	}
	for _, h := range found[1:] {
		b.dead[h.entry] = true
	}
	return true
}

// add adds lists for events the file does not name, and "hooks" itself if
// it is missing. For an absent, empty or whitespace-only file it returns
// the whole new text instead.
func (b *installEdits) add(events []string) (whole []byte) {
	s, st := b.s, b.st
	if len(events) == 0 {
		return nil
	}
	if hooks := s.hooks(); hooks != nil {
		for _, ev := range events {
			b.appends[hooks] = append(b.appends[hooks], renderMember(ev, []any{group(ev, b.command)}, st, indentFor(s.data, hooks, st)))
		}
		return nil
	}
	var evs obj
	for _, ev := range events {
		evs = append(evs, kv{ev, []any{group(ev, b.command)}})
	}
	if s.root == nil {
		return []byte("{" + st.nl + st.unit + `"hooks"` + st.colon + render(evs, st, at{indent: st.unit}) + st.nl + "}" + st.nl)
	}
	b.appends[s.root] = append(b.appends[s.root], renderMember("hooks", evs, st, indentFor(s.data, s.root, st)))
	return nil
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
		return Plan{}, fmt.Errorf("internal error: uninstall would write invalid settings: %v", err)
	}
	if n := len(after.ccqHooks("")); n > 0 {
		return Plan{}, fmt.Errorf("internal error: uninstall left %d ccq entries", n)
	}
	return plan, nil
}

// verify re-reads the text an install produced: it must parse and register
// exactly one ccq entry per event, running command.
func verify(file string, data []byte, command string, events []string) error {
	s, err := parseSettings(file, data)
	if err != nil {
		return fmt.Errorf("internal error: install would write invalid settings: %v", err)
	}
	for _, ev := range events {
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
