package launch

import (
	"encoding/json"

	"github.com/ccq-dev/ccq/internal/jsonw"
	"github.com/tidwall/gjson"
)

// The lock holder and the guardian's messages are written by hand, as
// json.Marshal writes them (json_test.go compares the two): they are the
// first JSON of every launch, and encoding/json's reflection on first use
// was a measurable part of a launch's start. See package jsonw.

// appendJSON appends h as json.Marshal(h) would.
func (h lockHolder) appendJSON(b []byte) []byte {
	b = jsonw.Int(append(b, `{"pid":`...), int64(h.PID))
	if h.RunID != "" {
		b = jsonw.String(append(b, `,"run_id":`...), h.RunID)
	}
	return append(b, '}')
}

// appendJSON appends m as json.Marshal(m) would; on error (an extra JSON
// cannot hold, NaN) it returns b as it came.
func (m *guardMsg) appendJSON(b []byte) ([]byte, error) {
	n := len(b)
	b = append(b, '{')
	for _, f := range []struct{ name, v string }{{"logs", m.Logs}, {"run", m.Run}, {"task", m.Task}, {"log", m.Log}} {
		if f.v != "" {
			b = jsonw.String(jsonw.Key(b, f.name), f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"start", m.Start}, {"grace", int64(m.Grace)}, {"pid", int64(m.PID)}} {
		if f.v != 0 {
			b = jsonw.Int(jsonw.Key(b, f.name), f.v)
		}
	}
	if len(m.Extra) > 0 {
		var err error
		if b, err = jsonw.Any(jsonw.Key(b, "extra"), m.Extra); err != nil {
			return b[:n], err
		}
	}
	if m.Done {
		b = append(jsonw.Key(b, "done"), "true"...)
	}
	return append(b, '}'), nil
}

// parseHolder reads a lock file as json.Unmarshal(b, &h) would, which on
// a wrong type keeps what it read before: the holder's own lines are read
// by hand, anything else goes to encoding/json.
func parseHolder(b []byte) lockHolder {
	var h lockHolder
	if quickHolder(b, &h) {
		return h
	}
	h = lockHolder{}
	_ = json.Unmarshal(b, &h)
	return h
}

// quickHolder reads b if it is an object of lockHolder's keys, each once,
// with values the jsonw readers take.
func quickHolder(b []byte, h *lockHolder) bool {
	if !gjson.ValidBytes(b) {
		return false
	}
	return jsonw.Object(gjson.Parse(string(b)), func(key string, v gjson.Result) bool {
		switch key {
		case `"pid"`:
			return jsonw.ReadInt(v, &h.PID)
		case `"run_id"`:
			return jsonw.ReadString(v, &h.RunID)
		}
		return false
	})
}
