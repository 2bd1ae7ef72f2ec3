package launch

import (
	"github.com/ccq-dev/ccq/digest"
	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/recorder"
)

// feedbackHeading introduces the digest appended to the prompt; the
// fingerprint's prompt part (hook lines' too) ends where it begins.
const feedbackHeading = fingerprint.FeedbackHeading

// maxResultTail bounds the end of a failed run's answer kept in its line
// (result_tail), for the next run's digest.
const maxResultTail = 200

// withFeedback returns the task with the digest of its last s.Feedback
// runs appended to the prompt; the task as it is when there is none. The
// session log's prompt is the prompt as sent, digest included.
func withFeedback(o Options, s Settings) *Task {
	if s.Feedback <= 0 {
		return o.Task
	}
	runs, err := digest.ReadFile(recorder.HistoryPath(o.LogsDir), o.Task.Name, s.Feedback)
	if err != nil || len(runs) == 0 {
		return o.Task
	}
	d := digest.Make(o.Task.Name, runs, digest.DefaultBudget)
	if d.Text == "" {
		return o.Task
	}
	t := *o.Task
	t.Prompt += feedbackHeading + d.Text
	return &t
}

// resultTail keeps the end of a failed run's final answer in its line,
// scrubbed of credentials: what the run said it could not do.
func (a *attempt) resultTail(snap Snapshot, ev *recorder.Evidence) {
	if snap.ResultText == "" {
		return
	}
	if et, _ := recorder.Classify(*ev); et == recorder.ErrNone && ev.VerifyFailed == "" {
		return
	}
	text := digest.Scrub(snap.ResultText)
	if len(text) > maxResultTail {
		i := len(text) - maxResultTail
		for i < len(text) && text[i]&0xC0 == 0x80 {
			i++
		}
		text = "…" + text[i:]
	}
	a.extra["result_tail"] = text
}

// closeLoop is what the launcher adds to a run's evidence before it is
// recorded: the fingerprint, the task's checks and a failed run's answer.
func (a *attempt) closeLoop(res runResult, snap Snapshot, ev *recorder.Evidence) {
	a.fingerprintDone(snap)
	a.verify(res, snap, ev)
	a.resultTail(snap, ev)
}
