package recorder

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/ccq-dev/ccq/internal/jsonw"
	"github.com/tidwall/gjson"
)

// parseEvent reads one line of a state file as json.Unmarshal would; ok is
// false for a line it would refuse (a torn one, from a hook killed
// mid-write). The lines ccq writes are read by hand, without encoding/json's
// reflection; a line with anything else in it (an unknown or duplicate key,
// a null, a key spelt in another case, an odd escape) goes to
// json.Unmarshal, so that it reads exactly as it always did.
func parseEvent(line []byte) (ev Event, ok bool) {
	if ev, ok := quickEvent(line); ok {
		return ev, true
	}
	ev = Event{}
	return ev, json.Unmarshal(line, &ev) == nil
}

// quickEvent reads line if it is an object of Event's own keys, each once,
// each with a value of its type that the jsonw readers take.
func quickEvent(line []byte) (ev Event, ok bool) {
	if len(line) == 0 || !gjson.ValidBytes(line) {
		return ev, false
	}
	r := gjson.Parse(string(line)) // one copy: the strings read point into it
	if !r.IsObject() {
		return ev, false
	}
	seen := map[string]bool{}
	ok = true
	r.ForEach(func(k, v gjson.Result) bool {
		if seen[k.Raw] {
			ok = false
		} else {
			seen[k.Raw] = true
			ok = ev.setJSON(k.Raw, v)
		}
		return ok
	})
	return ev, ok
}

// setJSON sets the member whose quoted name is key.
func (ev *Event) setJSON(key string, v gjson.Result) bool {
	switch key {
	case `"ev"`:
		return str(v, &ev.Ev)
	case `"id"`:
		return str(v, &ev.ID)
	case `"t"`:
		return int64v(v, &ev.T)
	case `"task"`:
		return str(v, &ev.Task)
	case `"log"`:
		return str(v, &ev.Log)
	case `"sid"`:
		return str(v, &ev.SID)
	case `"tp"`:
		return str(v, &ev.TP)
	case `"src"`:
		return str(v, &ev.Src)
	case `"off"`:
		return ev.setOffsets(v)
	case `"pid"`:
		return intv(v, &ev.PID)
	case `"pticks"`:
		return int64v(v, &ev.PTicks)
	case `"pstart"`:
		return int64v(v, &ev.PStart)
	case `"err"`:
		return str(v, &ev.Err)
	case `"reason"`:
		return str(v, &ev.Reason)
	case `"out"`:
		return intv(v, &ev.Out)
	case `"prompt"`:
		return str(v, &ev.Prompt)
	case `"ts"`:
		ev.TS = &Transcript{}
		return ev.TS.setAll(v)
	case `"orphan"`:
		return boolv(v, &ev.Orphan)
	}
	return false
}

func (ev *Event) setOffsets(v gjson.Result) bool {
	if !v.IsObject() {
		return false
	}
	ev.Off = Offsets{} // as json.Unmarshal: {} is an empty map, not nil
	ok := true
	v.ForEach(func(k, v gjson.Result) bool {
		var n int64
		name, okk := jsonw.Unquote(k.Raw)
		ok = okk && int64v(v, &n)
		ev.Off[name] = n
		return ok
	})
	return ok
}

// setAll sets ts from the object v.
func (ts *Transcript) setAll(v gjson.Result) bool {
	if !v.IsObject() {
		return false
	}
	seen := map[string]bool{}
	ok := true
	v.ForEach(func(k, v gjson.Result) bool {
		ok = !seen[k.Raw] && ts.setJSON(k.Raw, v)
		seen[k.Raw] = true
		return ok
	})
	return ok
}

func (ts *Transcript) setJSON(key string, v gjson.Result) bool {
	switch key {
	case `"usage"`:
		return ts.Usage.setAll(v)
	case `"messages"`:
		return intv(v, &ts.Messages)
	case `"model"`:
		return str(v, &ts.Model)
	case `"cost_usd"`:
		if v.Type != gjson.Number {
			return false
		}
		f, err := strconv.ParseFloat(v.Raw, 64)
		ts.CostUSD = &f
		return err == nil
	case `"api_error"`:
		return str(v, &ts.APIError)
	case `"api_error_status"`:
		return intv(v, &ts.APIErrorStatus)
	case `"api_error_class"`:
		return str(v, &ts.APIErrorClass)
	case `"api_error_text"`:
		return str(v, &ts.APIErrorText)
	case `"end"`:
		return str(v, &ts.End)
	case `"subagents"`:
		return intv(v, &ts.Subagents)
	case `"files"`:
		return intv(v, &ts.Files)
	case `"first"`:
		return timev(v, &ts.First)
	case `"reset_at"`:
		return timev(v, &ts.ResetAt)
	}
	return false
}

func (u *Usage) setAll(v gjson.Result) bool {
	if !v.IsObject() {
		return false
	}
	seen := map[string]bool{}
	ok := true
	v.ForEach(func(k, v gjson.Result) bool {
		ok = !seen[k.Raw]
		seen[k.Raw] = true
		switch k.Raw {
		case `"input"`:
			ok = ok && int64v(v, &u.Input)
		case `"output"`:
			ok = ok && int64v(v, &u.Output)
		case `"cache_creation"`:
			ok = ok && int64v(v, &u.CacheCreation)
		case `"cache_read"`:
			ok = ok && int64v(v, &u.CacheRead)
		default:
			ok = false
		}
		return ok
	})
	return ok
}

func str(v gjson.Result, dst *string) bool {
	if v.Type != gjson.String {
		return false
	}
	s, ok := jsonw.Unquote(v.Raw)
	*dst = s
	return ok
}

func int64v(v gjson.Result, dst *int64) bool {
	n, ok := jsonw.ParseInt(v.Raw)
	*dst = n
	return ok && v.Type == gjson.Number
}

func intv(v gjson.Result, dst *int) bool {
	n, ok := jsonw.ParseIntN(v.Raw)
	*dst = n
	return ok && v.Type == gjson.Number
}

func boolv(v gjson.Result, dst *bool) bool {
	*dst = v.Type == gjson.True
	return v.Type == gjson.True || v.Type == gjson.False
}

// timev reads a time with time's own UnmarshalJSON, as json.Unmarshal
// does; a null is left to json.Unmarshal.
func timev(v gjson.Result, dst *time.Time) bool {
	return v.Type == gjson.String && dst.UnmarshalJSON([]byte(v.Raw)) == nil
}
