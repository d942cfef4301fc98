package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Tx is a write transaction with a fixed Now, taken once when it begins, so
// that every row and ledger event it writes carries the same time.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	Now time.Time
}

// Dialect of the database the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// InTx runs fn in a write transaction and commits when fn returns nil. On
// SQLite the transaction begins IMMEDIATE (set in the DSN), so writers queue on
// the busy timeout instead of failing to upgrade a read lock.
func (d *DB) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	stx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: stx, db: d, Now: d.Clock.Now()}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

// ForUpdate is the row-lock suffix for a SELECT: PostgreSQL locks the rows;
// SQLite has one writer at a time already.
func (t *Tx) ForUpdate() string {
	if t.db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// InsertID runs an INSERT … RETURNING id and returns the new id.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	if err := t.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, err
	}
	return id, nil
}

// Micros is how abri stores a time: microseconds since the Unix epoch, UTC,
// in a BIGINT. It sorts, compares and round-trips the same on both databases.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros is the inverse of Micros; 0 gives the zero time.
func FromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
