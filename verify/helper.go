package verify

import "encoding/json"

// SchemaRequest is what ccq sends `ccq-helper schema` on stdin, one JSON
// object: the schema document and where it was read, and, to validate,
// the run's structured output (compile only when it is absent).
type SchemaRequest struct {
	Path   string          `json:"path"`
	Schema json.RawMessage `json:"schema"`
	Output json.RawMessage `json:"output,omitempty"`
}

// SchemaReply is the helper's answer on stdout: why the schema does not
// compile (Error), or why the output does not match it (Why, Details;
// both empty when it does).
type SchemaReply struct {
	Error   string `json:"error,omitempty"`
	Why     string `json:"why,omitempty"`
	Details string `json:"details,omitempty"`
}
