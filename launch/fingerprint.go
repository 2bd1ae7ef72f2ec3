package launch

import (
	"strings"

	"github.com/ccq-dev/ccq/fingerprint"
	"github.com/ccq-dev/ccq/internal/buildinfo"
)

// pendingFP delivers the fingerprint taken beside claude's start.
type pendingFP = chan fingerprint.FP

// fingerprintRun starts taking the run's fingerprint: the files and the
// git commit as they are when claude starts. `git status` (~10 ms) runs
// beside claude's own start instead of before it.
func (a *attempt) fingerprintRun() {
	ch := make(chan fingerprint.FP, 1)
	a.fp = ch
	// The task's prompt: a feedback digest changes with every run and is
	// not what a prompt change means.
	prompt, _, _ := strings.Cut(a.o.Task.Prompt, feedbackHeading)
	st := fingerprint.Start{Dir: a.dir, Home: a.o.Env["HOME"], Prompt: prompt, CCQ: buildinfo.Version(a.o.Version), Git: true}
	go func() { ch <- fingerprint.Compute(st) }()
}

// fingerprintDone completes the fingerprint with what the stream told and
// puts it in the line's extras.
func (a *attempt) fingerprintDone(snap Snapshot) {
	if a.fp == nil {
		return
	}
	fp := <-a.fp
	a.fp = nil
	fp.AddInit(snap.Init)
	if fp[fingerprint.PartClaude] == "" && snap.Version != "" {
		fp[fingerprint.PartClaude] = snap.Version
	}
	fp.AddModels(snap.Models...)
	a.extra[fingerprint.Key] = fp.Map()
}
