package stats

import (
	"fmt"
	"strconv"
	"time"
)

// Thresholds are what `ccq check` holds each task to. A zero field is not
// checked.
type Thresholds struct {
	MinSuccessRate      float64       // each task's success rate must be at least this
	MaxDuration         time.Duration // no run may have taken longer
	MaxTokensPerSuccess float64       // each task's tokens per success must be at most this
	MinRuns             int64         // at least this many runs must match, all tasks together
}

// Check returns one reason per missed threshold, per task, in task order.
// A task with tokens but no successful run misses MaxTokensPerSuccess.
func Check(r *Report, th Thresholds) []string {
	var out []string
	if th.MinRuns > 0 && r.Overall.Runs < th.MinRuns {
		out = append(out, fmt.Sprintf("%s, expected at least %d", Plural(r.Overall.Runs, "run"), th.MinRuns))
	}
	for _, t := range r.Tasks {
		// Misses are printed and sent as notifications: no control
		// characters from a hand-written task name.
		t.TaskID = Printable(t.TaskID)
		if th.MinSuccessRate > 0 && t.SuccessRate != nil && *t.SuccessRate < th.MinSuccessRate {
			out = append(out, fmt.Sprintf("task %s: success rate %s (%d of %s) below %s",
				t.TaskID, ratio(*t.SuccessRate), t.Successes, Plural(t.Runs, "run"), ratio(th.MinSuccessRate)))
		}
		if th.MaxDuration > 0 && t.Duration != nil && t.Duration.Max > th.MaxDuration.Seconds() {
			out = append(out, fmt.Sprintf("task %s: a run took %s, longer than %s",
				t.TaskID, HumanSeconds(t.Duration.Max), th.MaxDuration))
		}
		if th.MaxTokensPerSuccess > 0 {
			switch {
			case t.TokensPerSuccess == nil && t.Tokens > 0:
				out = append(out, fmt.Sprintf("task %s: %s and no successful run", t.TaskID, Plural(t.Tokens, "token")))
			case t.TokensPerSuccess != nil && *t.TokensPerSuccess > th.MaxTokensPerSuccess:
				out = append(out, fmt.Sprintf("task %s: %s tokens per success, more than %s",
					t.TaskID, f64(*t.TokensPerSuccess), f64(th.MaxTokensPerSuccess)))
			}
		}
	}
	return out
}

func ratio(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
