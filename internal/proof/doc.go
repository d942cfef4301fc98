// Package proof holds abri's cross-cutting tests, the ones that try to break
// it from outside the way a bad day would:
//
//   - crash_test.go builds the abri binary, runs abri serve as a separate
//     process, drives acknowledged writes at it over HTTP and kills it with
//     SIGKILL again and again; every acknowledged write must survive.
//   - security_test.go checks the session cookies, session revocation on a
//     password change and the sign-in throttle. (The security headers of
//     every answer of every route are checked by the authorization matrix in
//     internal/server.)
//   - logscan_test.go plants a recognisable name, phone number and email in
//     every personal field and searches every log line and the ledger.
//   - fuzz_test.go fuzzes the form and JSON decoding of the whole server and
//     the Accept-Language matching; .ci/fuzz runs every Fuzz target of the
//     module for a bounded time.
//
// It has no code of its own; the tests run the real binary or the real
// server.
package proof
