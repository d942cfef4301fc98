package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps one prepared statement per SQL text for a SQLite pool, so
// that the hot statements are parsed once per connection instead of at every
// call (parsing was a third of the processor time of a box move). database/sql
// prepares a *sql.Stmt again on each connection the first time it runs there
// and keeps it; Tx.StmtContext reuses the connection's copy inside a
// transaction.
//
// PostgreSQL needs none of this: pgx keeps its own per-connection cache of
// prepared statements (QueryExecModeCacheStatement, the default).
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

// Statements with many placeholders are lists of ids or codes whose text
// changes with their length; they are not worth a slot. The stock totals of
// a move (two groups of nine values, 18) are.
const (
	maxCachedStatements = 512
	maxCachedParams     = 20
)

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// lookup returns the prepared statement for q, or nil when there is none yet.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	return st
}

// cacheable tells whether q may take a slot.
func cacheable(q string) bool {
	return strings.Count(q, "?") <= maxCachedParams
}

// prepare prepares q on the pool and keeps it, unless the cache is full or q
// does not prepare (the caller then runs it unprepared and gets the error).
// On the writer pool it must be called only while no transaction holds the
// pool's one connection.
func (c *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	if c == nil || !cacheable(q) {
		return nil
	}
	if st := c.lookup(q); st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[q]; st != nil {
		return st
	}
	if len(c.m) >= maxCachedStatements {
		return nil
	}
	st, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}
