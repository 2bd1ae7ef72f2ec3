package recorder

import "testing"

// TestVerifyFailed: a failed verification turns a success into an
// exit_error with client_success; a run that failed on its own keeps its
// own error and gets no client_success.
func TestVerifyFailed(t *testing.T) {
	ok := Evidence{Launched: true, ExitKnown: true, Result: &Result{Subtype: "success"}, VerifyFailed: "verify: expect `x`: the result does not match"}
	e := buildEntry("r1", ok, ByLauncher)
	if e.Success || e.ErrorType != ErrExit || e.ErrorDetail != ok.VerifyFailed || e.Extra[ExtraClientSuccess] != true {
		t.Errorf("entry %+v", e)
	}
	failed := ok
	failed.ExitCode = 1
	e = buildEntry("r2", failed, ByLauncher)
	if e.ErrorDetail != "exit code 1" || e.Extra[ExtraClientSuccess] != nil {
		t.Errorf("entry %+v", e)
	}
}
