package launch

import (
	"github.com/goccy/go-yaml/ast"

	"github.com/ccq-dev/ccq/schedule"
)

// setScheduleKey reads the keys of the task's schedule.
func setScheduleKey(s *Settings, key string, v ast.Node) (err error) {
	switch key {
	case "schedule":
		var expr string
		if err = decodeScalar(v, &expr); err == nil {
			s.Schedule, err = schedule.Parse(expr)
		}
	case "grace":
		s.Grace, err = decodeDuration(v, "grace")
	case "jitter":
		s.Jitter, err = decodeDuration(v, "jitter")
	case "catch_up":
		var b bool
		if err = decodeScalar(v, &b); err == nil {
			s.CatchUp = &b
		}
	}
	return err
}

// CatchUpOn is the task's catch_up, true unless it says false.
func (s Settings) CatchUpOn() bool { return s.CatchUp == nil || *s.CatchUp }
