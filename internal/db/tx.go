package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tx is a write transaction with a fixed Now, taken once when it begins, so
// that every row and ledger event it writes carries the same time. In a
// shared transaction (InTxGroup) each caller has its own Tx, and its own Now,
// taken when its savepoint begins.
type Tx struct {
	s   *txState
	db  *DB
	Now time.Time
	// member is set in a shared transaction: the caller's context. Its
	// statements run with the transaction's own context (a caller giving
	// up must not cancel a statement of a transaction others share), and
	// none starts once member has ended.
	member context.Context
}

// txState is what the callers of one transaction share.
type txState struct {
	tx    *sql.Tx
	ctx   context.Context // the context the transaction began with
	stmts map[string]*sql.Stmt
	want  []string    // statements to prepare on the writer once the transaction ends
	pipe  *pipe       // deferred writes (PostgreSQL, shared transactions); nil: none
	local map[any]any // see Tx.Value
}

// Dialect of the database the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// Hints is where a package keeps, between transactions on this database,
// what it last wrote and may guess is still so (the ledger keeps each
// chain's head). A hint is a guess, never the truth: the statement that
// uses one must check it and fall back when it no longer holds (another
// process wrote, or the transaction that wrote it rolled back).
func (t *Tx) Hints() *sync.Map { return &t.db.hints }

// InTx runs fn in a write transaction and commits when fn returns nil; it
// rolls back when fn returns an error or panics (and panics again).
//
// On SQLite, writers take the single write connection in the order they
// came, each waiting in Go until its turn or until its context ends; the
// transaction begins IMMEDIATE (set in the DSN), so it never needs to
// upgrade a read lock.
func (d *DB) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	if d.wq != nil {
		if err := d.wq.lock(ctx); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		defer d.wq.unlock()
	}
	stx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	st := &txState{tx: stx, ctx: ctx}
	if d.wq != nil {
		defer d.prepareWanted(st)
	}
	tx := &Tx{s: st, db: d, Now: d.Clock.Now()}
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

// prepareWanted prepares, on the SQLite writer, the statements a finished
// transaction ran unprepared, so that the next transactions reuse them. It
// runs while the writer's turn is still held and its connection is free.
func (d *DB) prepareWanted(st *txState) {
	for _, q := range st.want {
		d.wstmts.prepare(context.WithoutCancel(st.ctx), q)
	}
	st.want = nil
}

// stmt returns the transaction's prepared statement for q, or nil when q
// runs unprepared (PostgreSQL, whose driver caches statements itself; or a
// statement the SQLite writer has not prepared yet).
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if t.db.wstmts == nil {
		return nil
	}
	s := t.s
	if st, ok := s.stmts[q]; ok {
		return st
	}
	dbst := t.db.wstmts.lookup(q)
	if dbst == nil {
		if cacheable(q) {
			s.want = append(s.want, q)
		}
		return nil
	}
	st := s.tx.StmtContext(ctx, dbst)
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[q] = st
	return st
}

// ctx is the context a statement runs with: the caller's for a transaction
// of its own; in a shared one, the transaction's, unless the caller has given
// up, whose ended context then fails the statement before it starts.
func (t *Tx) ctx(ctx context.Context) context.Context {
	if t.member == nil {
		return ctx
	}
	if t.member.Err() != nil {
		return t.member
	}
	return t.s.ctx
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if p := t.s.pipe; p != nil {
		if len(p.queue) > 0 {
			var res sql.Result
			rq := t.db.Rebind(q)
			err := t.send(ctx, &rq, args, func(br pgx.BatchResults) error {
				tag, err := br.Exec()
				res = execResult(tag)
				return err
			})
			return res, err
		}
		if err := t.sending(ctx); err != nil {
			return nil, err
		}
	}
	ctx = t.ctx(ctx)
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.s.tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.sending(ctx); err != nil {
		return nil, err
	}
	ctx = t.ctx(ctx)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.s.tx.QueryContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if err := t.sending(ctx); err != nil {
		// A row that fails when scanned, never sent (its context has
		// ended). A *sql.Row cannot carry err itself; InTxGroup answers
		// the caller with it (pipe.failed, pipe.broken).
		ectx, cancel := context.WithCancel(context.Background())
		cancel()
		return t.s.tx.QueryRowContext(ectx, "SELECT 1")
	}
	ctx = t.ctx(ctx)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.s.tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
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

// Row is one row of a query, read when scanned: what Tx.Row returns.
type Row interface{ Scan(dest ...any) error }

// Row runs a one-row query in the transaction, like QueryRow. With writes
// queued (ExecLater), they are sent with it in one round trip.
func (t *Tx) Row(ctx context.Context, q string, args ...any) Row {
	if t.pending() {
		return pipedRow{t: t, ctx: ctx, q: t.db.Rebind(q), args: args}
	}
	return t.QueryRow(ctx, q, args...)
}

// sending readies a statement sent on its own: the queued writes go first
// (a round trip of their own), and the caller's work has now been sent.
func (t *Tx) sending(ctx context.Context) error {
	p := t.s.pipe
	if p == nil {
		return nil
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	p.sent = max(p.sent, p.cur)
	return nil
}
