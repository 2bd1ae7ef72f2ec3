package launch

import (
	"github.com/ccq-dev/ccq/verify"
	"github.com/ccq-dev/ccq/verify/schemacheck"
)

// The launcher's tests compile output schemas in process; ccq hands them
// to ccq-helper (cmd/ccq/schema.go).
func init() { verify.UseCompiler(schemacheck.Compile) }
