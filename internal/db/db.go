// Package db opens abri's storage, SQLite (embedded, the default) or
// PostgreSQL, runs the embedded migrations and hides the few differences
// between the two dialects. Domain packages write plain SQL with ? placeholders
// and call it through DB or Tx; SQL text is rebound for PostgreSQL here.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"abri/internal/clock"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Dialect is the SQL flavour behind a DB.
type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open database. It is safe for concurrent use.
//
// On SQLite it holds two pools on one file: a single read-write connection,
// which writers take in turn through a queue in Go (see InTx), and a pool of
// read-only connections for reads outside transactions, which in WAL mode
// never wait for the writer. On PostgreSQL both are the same pool.
type DB struct {
	sql     *sql.DB // reads outside transactions
	w       *sql.DB // writes; on SQLite one connection
	wq      *fifo   // SQLite: the writers' queue for w; nil on PostgreSQL
	rstmts  *stmtCache
	wstmts  *stmtCache
	groups  groups
	hints   sync.Map // see Tx.Hints
	Dialect Dialect
	Clock   clock.Clock
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
}

// sqlitePragmas ride in the DSN so that every pooled connection gets them.
// busy_timeout comes first so that setting WAL can wait for a lock;
// synchronous(FULL) makes an acknowledged commit survive power loss.
// The writer's transactions begin IMMEDIATE; the busy timeout is only for
// other processes (abri user add, a backup) since abri's own writers queue in
// Go. temp_store(MEMORY) keeps the writer's statement and savepoint journals
// in memory: in a shared transaction (InTxGroup) each request runs in a
// savepoint, and with journals in a temporary file every page a savepoint
// changed was first written there, a system call each (a tenth of a box
// move's processor time). secure_delete(1) overwrites deleted rows and freed
// pages with zeros, so an erased card's bytes do not linger in the file
// (the purge then checkpoints the WAL away: internal/people).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=secure_delete(1)&_txlock=immediate"

// sqliteReadPragmas are the read pool's: the same, but query_only, so that a
// write sent to a reader fails instead of taking the write lock.
const sqliteReadPragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=query_only(1)"

// sqliteReaders is the size of the SQLite read pool.
const sqliteReaders = 8

// Open opens the database a DSN names: "postgres://…" or "postgresql://…"
// selects PostgreSQL; "sqlite:PATH", "file:PATH" or a bare path selects SQLite.
// It checks that the database answers but does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	kind, target, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	d := &DB{Dialect: kind, Clock: clock.System{}}
	var readDSN string
	switch kind {
	case Postgres:
		d.sql, err = sql.Open("pgx", target)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		d.sql.SetMaxOpenConns(32)
		d.sql.SetMaxIdleConns(32)
		d.sql.SetConnMaxIdleTime(5 * time.Minute)
		d.w = d.sql
	case SQLite:
		d.Path = target
		if dir := filepath.Dir(target); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		// One writer at a time is SQLite's rule: one connection, taken in
		// turn (d.wq), never idle-closed so its prepared statements stay.
		d.w, err = sql.Open("sqlite", "file:"+target+sep+sqlitePragmas)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		d.w.SetMaxOpenConns(1)
		d.w.SetMaxIdleConns(1)
		d.w.SetConnMaxIdleTime(0)
		d.w.SetConnMaxLifetime(0)
		d.wq = &fifo{}
		readDSN = "file:" + target + sep + sqliteReadPragmas
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.w.PingContext(pctx); err != nil {
		d.w.Close()
		if kind == SQLite { // name the file; a PostgreSQL DSN may hold a password
			return nil, fmt.Errorf("open sqlite database %s: %w", target, err)
		}
		return nil, fmt.Errorf("connect to %s database: %w", kind, err)
	}
	if kind == SQLite {
		// The pragma only takes when the file is writable; check it did.
		var mode string
		if err := d.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			d.w.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", target, err)
		}
		if _, err := d.w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS abri_probe(x INTEGER); DROP TABLE abri_probe"); err != nil {
			d.w.Close()
			return nil, fmt.Errorf("sqlite database %s is not writable: %w", target, err)
		}
		// Readers open the file the writer made, already in WAL mode.
		d.sql, err = sql.Open("sqlite", readDSN)
		if err == nil {
			d.sql.SetMaxOpenConns(sqliteReaders)
			d.sql.SetMaxIdleConns(sqliteReaders)
			err = d.sql.PingContext(pctx)
		}
		if err != nil {
			d.w.Close()
			return nil, fmt.Errorf("open sqlite %s for reading: %w", target, err)
		}
		d.rstmts = newStmtCache(d.sql)
		d.wstmts = newStmtCache(d.w)
	}
	return d, nil
}

// ParseDSN tells which database a DSN selects and returns what the driver
// needs. It rejects what is plainly malformed, so the command line can say so
// before trying to connect.
func ParseDSN(dsn string) (Dialect, string, error) {
	dsn = strings.TrimSpace(dsn)
	switch {
	case dsn == "":
		return 0, "", errors.New("empty database DSN")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return 0, "", fmt.Errorf("malformed PostgreSQL DSN: %w", errors.Unwrap(err))
		}
		if u.Host == "" {
			return 0, "", errors.New("malformed PostgreSQL DSN: no host")
		}
		return Postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite:"), strings.HasPrefix(dsn, "file:"):
		p, _ := strings.CutPrefix(dsn, "sqlite:")
		if p == dsn {
			p = strings.TrimPrefix(dsn, "file:")
		}
		p = strings.TrimPrefix(p, "//")
		// An empty file name would make SQLite open a private temporary
		// database that vanishes on close: refuse it.
		if path, _, _ := strings.Cut(p, "?"); path == "" {
			return 0, "", errors.New("malformed SQLite DSN: no file path")
		}
		return SQLite, p, nil
	case strings.Contains(dsn, "://"):
		return 0, "", fmt.Errorf("unsupported database DSN scheme %q (use postgres:// or a SQLite file path)", dsn[:strings.Index(dsn, "://")])
	default:
		return SQLite, dsn, nil
	}
}

// Close closes the database; for SQLite it checkpoints the WAL first so the
// file is whole on its own.
func (d *DB) Close() error {
	if d.Dialect == SQLite {
		d.rstmts.close()
		d.sql.Close()
		// Wait for the writer in turn, so that a write under way ends first.
		d.wq.lock(context.Background())
		defer d.wq.unlock()
		d.wstmts.close()
		_, _ = d.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		return d.w.Close()
	}
	return d.sql.Close()
}

// Ping tells whether the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.sql.PingContext(ctx) }

// Stats exposes the pool figures for metrics: on SQLite, the read pool's.
func (d *DB) Stats() sql.DBStats { return d.sql.Stats() }

// SQL returns the handle for reads, for tools such as backup and tests. On
// SQLite its connections are read-only.
func (d *DB) SQL() *sql.DB { return d.sql }

// Exec runs a statement outside a transaction. On SQLite it takes its turn
// on the writer like a transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if d.wq == nil {
		return d.sql.ExecContext(ctx, d.Rebind(q), args...)
	}
	if err := d.wq.lock(ctx); err != nil {
		return nil, err
	}
	defer d.wq.unlock()
	if st := d.wstmts.prepare(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.w.ExecContext(ctx, q, args...)
}

// Query runs a query outside a transaction.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.rstmts.prepare(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.sql.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRow runs a one-row query outside a transaction.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.rstmts.prepare(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.sql.QueryRowContext(ctx, d.Rebind(q), args...)
}

var rebound sync.Map // string -> string

// Rebind turns ? placeholders into $1, $2, … for PostgreSQL. A ? inside a
// quoted string is left alone.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres {
		return q
	}
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inQuote = !inQuote
		}
		if c == '?' && !inQuote {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	rebound.Store(q, s)
	return s
}

// Queryer is what DB and Tx have in common, for read helpers that run in
// either.
type Queryer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ Queryer = (*DB)(nil)
	_ Queryer = (*Tx)(nil)
)

// IsUniqueViolation tells whether err is a unique-constraint failure in
// either database.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// IsNoRows tells whether err is sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
