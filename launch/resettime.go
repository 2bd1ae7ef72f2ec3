package launch

import (
	"time"

	"github.com/ccq-dev/ccq/recorder"
)

// ParseResetTime finds a limit's reset time in a message Claude Code
// printed; see recorder.ParseResetTime, where the parser lives so that
// ccq-hook, which must not import this package, reads the same forms.
func ParseResetTime(text string, now time.Time, loc *time.Location) (time.Time, bool) {
	return recorder.ParseResetTime(text, now, loc)
}
