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
	return ev, jsonw.Object(r, ev.setJSON)
}

// setJSON sets the member whose quoted name is key.
func (ev *Event) setJSON(key string, v gjson.Result) bool {
	switch key {
	case `"ev"`:
		return jsonw.ReadString(v, &ev.Ev)
	case `"id"`:
		return jsonw.ReadString(v, &ev.ID)
	case `"t"`:
		return jsonw.ReadInt64(v, &ev.T)
	case `"task"`:
		return jsonw.ReadString(v, &ev.Task)
	case `"log"`:
		return jsonw.ReadString(v, &ev.Log)
	case `"sid"`:
		return jsonw.ReadString(v, &ev.SID)
	case `"tp"`:
		return jsonw.ReadString(v, &ev.TP)
	case `"src"`:
		return jsonw.ReadString(v, &ev.Src)
	case `"off"`:
		return ev.setOffsets(v)
	case `"pid"`:
		return jsonw.ReadInt(v, &ev.PID)
	case `"pticks"`:
		return jsonw.ReadInt64(v, &ev.PTicks)
	case `"pstart"`:
		return jsonw.ReadInt64(v, &ev.PStart)
	case `"err"`:
		return jsonw.ReadString(v, &ev.Err)
	case `"reason"`:
		return jsonw.ReadString(v, &ev.Reason)
	case `"out"`:
		return jsonw.ReadInt(v, &ev.Out)
	case `"prompt"`:
		return jsonw.ReadString(v, &ev.Prompt)
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
		ok = okk && jsonw.ReadInt64(v, &n)
		ev.Off[name] = n
		return ok
	})
	return ok
}

// setAll sets ts from the object v.
func (ts *Transcript) setAll(v gjson.Result) bool { return jsonw.Object(v, ts.setJSON) }

func (ts *Transcript) setJSON(key string, v gjson.Result) bool {
	switch key {
	case `"usage"`:
		return ts.Usage.setAll(v)
	case `"messages"`:
		return jsonw.ReadInt(v, &ts.Messages)
	case `"model"`:
		return jsonw.ReadString(v, &ts.Model)
	case `"cost_usd"`:
		if v.Type != gjson.Number {
			return false
		}
		f, err := strconv.ParseFloat(v.Raw, 64)
		ts.CostUSD = &f
		return err == nil
	case `"api_error"`:
		return jsonw.ReadString(v, &ts.APIError)
	case `"api_error_status"`:
		return jsonw.ReadInt(v, &ts.APIErrorStatus)
	case `"api_error_class"`:
		return jsonw.ReadString(v, &ts.APIErrorClass)
	case `"api_error_text"`:
		return jsonw.ReadString(v, &ts.APIErrorText)
	case `"end"`:
		return jsonw.ReadString(v, &ts.End)
	case `"subagents"`:
		return jsonw.ReadInt(v, &ts.Subagents)
	case `"files"`:
		return jsonw.ReadInt(v, &ts.Files)
	case `"first"`:
		return timev(v, &ts.First)
	case `"reset_at"`:
		return timev(v, &ts.ResetAt)
	}
	return false
}

func (u *Usage) setAll(v gjson.Result) bool {
	return jsonw.Object(v, func(key string, v gjson.Result) bool {
		switch key {
		case `"input"`:
			return jsonw.ReadInt64(v, &u.Input)
		case `"output"`:
			return jsonw.ReadInt64(v, &u.Output)
		case `"cache_creation"`:
			return jsonw.ReadInt64(v, &u.CacheCreation)
		case `"cache_read"`:
			return jsonw.ReadInt64(v, &u.CacheRead)
		}
		return false
	})
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
