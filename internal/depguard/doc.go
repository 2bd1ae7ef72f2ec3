// Package depguard holds no code, only tests that keep ccq and ccq-hook
// lean: TestDeps fails when ccq links a package of the integrations that
// live in ccq-helper (the OpenTelemetry SDK, gRPC, shoutrrr,
// client_golang), when ccq-hook links net, or when a module appears in
// either binary without its checked-in list (cmd/ccq/deps.txt,
// cmd/ccq-hook/deps.txt) being updated; TestInitWork bounds the work
// their packages' init functions do (GODEBUG=inittrace=1).
//
// After a deliberate change of dependencies, regenerate the lists with
//
//	go test ./internal/depguard -run TestDeps -update
package depguard
