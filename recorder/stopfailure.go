package recorder

// StopFailureTypes are the error types Claude Code's StopFailure hook
// documents (the hook's matcher values, read from the 2.1.328 binary), each
// with whether a later attempt may succeed on its own (transient): the API
// was busy or limited, not the request, the account or the task wrong.
//
// Every one is recorded the same way: error_type exit_error (Claude Code
// ended the run unsuccessfully on its own; Categorize counts it as
// exit_error) and error_detail the type as Claude Code wrote it. A type not
// listed here (a newer client's) is recorded the same way, verbatim, never
// dropped or renamed; "unknown" is also what an empty error becomes.
var StopFailureTypes = map[string]bool{
	"rate_limit":             true,  // 429, or a usage limit
	"overloaded":             true,  // 529
	"server_error":           true,  // 5xx, an API timeout
	"authentication_failed":  false, // 401/403: log in again
	"oauth_org_not_allowed":  false,
	"account_on_hold":        false,
	"verification_required":  false,
	"billing_error":          false,
	"invalid_request":        false, // 413, a request the API refuses as built
	"model_not_found":        false,
	"max_output_tokens":      false, // the answer outgrew its limit: the same request fails again
	"cloud_credential_error": false, // Bedrock/Vertex credentials
	"unknown":                false, // 400, and an empty error
}

// StopFailureTransient reports whether a StopFailure error type is one a
// later attempt may get past; known is false for a type not documented.
func StopFailureTransient(errType string) (transient, known bool) {
	transient, known = StopFailureTypes[errType]
	return transient, known
}
