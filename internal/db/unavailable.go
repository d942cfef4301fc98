package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"abri/internal/apperr"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Two outages reach people through any statement, read or write, in any
// package: the disk is full, or the PostgreSQL server cannot be reached. Both
// are 503s with a message that says what happened (the web and the API both
// map errors through apperr.As), not a 500 that says nothing.
func init() { apperr.RegisterClassifier(classifyOutage) }

// classifyOutage names a full disk and a database that does not answer.
func classifyOutage(err error) *apperr.Error {
	switch {
	case IsDiskFull(err):
		return apperr.Wrap(err, apperr.Unavailable, "error.disk_full")
	case IsUnreachable(err):
		return apperr.Wrap(err, apperr.Unavailable, "error.db_unavailable")
	}
	return nil
}

// IsDiskFull tells whether err says the database's disk is full: SQLite's
// SQLITE_FULL, PostgreSQL's disk_full (53100), or ENOSPC from the system.
func IsDiskFull(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// IsUnreachable tells whether err says the PostgreSQL server cannot be
// reached or went away: no connection could be made, the connection broke,
// or the server is shutting down, starting or recovering. A cancelled
// request is not an outage.
func IsUnreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01–57P03: admin shutdown, crash
		// shutdown, cannot connect now (starting or recovering).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	// pgconn's own errors for a connection that broke or was closed under
	// it (an unexpected EOF mid-answer, "conn closed") say whether a retry
	// is safe; only a connection's errors do.
	var pgconnErr interface{ SafeToRetry() bool }
	if errors.As(err, &pgconnErr) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	// The driver also hands up a bare unexpected EOF when the server's
	// answer stops half way. (Request bodies cut short never get here: the
	// web and the API wrap their read errors as bad input.)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne *net.OpError
	return errors.As(err, &ne)
}
