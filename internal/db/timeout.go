package db

import (
	"net/url"
	"strconv"
	"time"
)

// DefaultStatementTimeout is how long one PostgreSQL statement may run
// before the server cancels it: long enough for any query abri makes,
// short enough that a runaway one does not hold a connection and its locks
// for ever.
const DefaultStatementTimeout = 30 * time.Second

// WithStatementTimeout returns a PostgreSQL DSN whose connections cancel any
// statement running longer than d (the statement_timeout run-time parameter,
// sent when each connection starts, so every pooled connection has it). A
// DSN that sets statement_timeout itself keeps its own; d of 0 adds nothing,
// and a SQLite DSN is returned as it is. Migrations lift the limit for
// themselves (see Migrate).
func WithStatementTimeout(dsn string, d time.Duration) string {
	kind, _, err := ParseDSN(dsn)
	if err != nil || kind != Postgres || d <= 0 {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Has("statement_timeout") {
		return dsn
	}
	ms := max(d.Milliseconds(), 1)
	q.Set("statement_timeout", strconv.FormatInt(ms, 10))
	u.RawQuery = q.Encode()
	return u.String()
}
