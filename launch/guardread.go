package launch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/ccq-dev/ccq/internal/jsonw"
	"github.com/tidwall/gjson"
)

// guardReader reads the launcher's messages as a json.Decoder over the
// pipe would. The guardian starts with nearly every run, so the lines
// (one object each, as send writes them) are read by hand; at the first
// line that is anything else, a json.Decoder takes over from the start of
// that line, and reads it and the rest exactly as it always did.
type guardReader struct {
	br  *bufio.Reader
	dec *json.Decoder
}

func newGuardReader(in io.Reader) *guardReader { return &guardReader{br: bufio.NewReader(in)} }

// next returns the next message; an error ends the messages, as a
// json.Decoder's does.
func (r *guardReader) next() (guardMsg, error) {
	for r.dec == nil {
		line, err := r.br.ReadBytes('\n')
		if onlySpace(line) {
			if err != nil {
				return guardMsg{}, err
			}
			continue
		}
		if m, ok := quickGuardMsg(line); ok {
			return m, nil
		}
		r.dec = json.NewDecoder(io.MultiReader(bytes.NewReader(line), r.br))
	}
	var m guardMsg
	err := r.dec.Decode(&m)
	return m, err
}

// onlySpace reports whether b is JSON whitespace alone.
func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// quickGuardMsg reads line if it is one object of guardMsg's keys, each
// once, with values the jsonw readers take.
func quickGuardMsg(line []byte) (m guardMsg, ok bool) {
	if !gjson.ValidBytes(line) {
		return m, false
	}
	return m, jsonw.Object(gjson.Parse(string(line)), m.setJSON)
}

func (m *guardMsg) setJSON(key string, v gjson.Result) bool {
	var ok bool
	switch key {
	case `"logs"`:
		return jsonw.ReadString(v, &m.Logs)
	case `"run"`:
		return jsonw.ReadString(v, &m.Run)
	case `"task"`:
		return jsonw.ReadString(v, &m.Task)
	case `"log"`:
		return jsonw.ReadString(v, &m.Log)
	case `"start"`:
		m.Start, ok = jsonw.ParseInt(v.Raw)
	case `"grace"`:
		var n int64
		n, ok = jsonw.ParseInt(v.Raw)
		m.Grace = time.Duration(n)
	case `"pid"`:
		m.PID, ok = jsonw.ParseIntN(v.Raw)
	case `"extra"`:
		if !v.IsObject() {
			return false
		}
		var x any
		x, ok = anyValue(v)
		m.Extra, _ = x.(map[string]any)
		return ok
	case `"done"`:
		m.Done = v.Type == gjson.True
		return v.Type == gjson.True || v.Type == gjson.False
	default:
		return false
	}
	return ok && v.Type == gjson.Number
}

// anyValue reads v as json.Unmarshal reads a value into an any: numbers as
// float64, objects as map[string]any (a repeated key's last value wins),
// arrays as []any.
func anyValue(v gjson.Result) (any, bool) {
	switch v.Type {
	case gjson.Null:
		return nil, true
	case gjson.True, gjson.False:
		return v.Type == gjson.True, true
	case gjson.String:
		return jsonw.Unquote(v.Raw)
	case gjson.Number:
		f, err := strconv.ParseFloat(v.Raw, 64)
		return f, err == nil
	}
	ok := true
	if v.IsArray() {
		a := []any{}
		v.ForEach(func(_, e gjson.Result) bool {
			var x any
			x, ok = anyValue(e)
			a = append(a, x)
			return ok
		})
		return a, ok
	}
	o := map[string]any{}
	v.ForEach(func(k, e gjson.Result) bool {
		var name string
		if name, ok = jsonw.Unquote(k.Raw); ok {
			o[name], ok = anyValue(e)
		}
		return ok
	})
	return o, ok
}
