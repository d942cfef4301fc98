// Package proof holds abri's cross-cutting tests, the ones that try to break
// it from outside the way a bad day would:
//
//   - crash_test.go builds the abri binary, runs abri serve as a separate
//     process, drives acknowledged writes at it over HTTP and kills it with
//     SIGKILL again and again; every acknowledged write must survive.
//   - diskfull_test.go mounts a 4 MiB tmpfs as the SQLite data directory
//     and fills it: writes answer 503 saying the disk is full, reads work,
//     writes resume once space is freed, nothing is lost or corrupted.
//   - pgrestart_test.go starts a PostgreSQL of its own and stops it hard
//     (pg_ctl stop -m immediate) under load: /readyz and writes answer 503
//     while it is down, abri reconnects by itself, no acknowledged write is
//     lost. Both need root; they skip without it, and fail under CI=true.
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
