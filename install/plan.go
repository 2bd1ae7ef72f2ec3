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
		return Plan{}, fmt.Errorf("internal error: uninstall would write invalid settings: %v", err)
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
		return fmt.Errorf("internal error: install would write invalid settings: %v", err)
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
