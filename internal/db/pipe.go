package db

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"

	"abri/internal/apperr"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Deferred writes. Inside a shared transaction (InTxGroup) on PostgreSQL the
// callers run one after another on one connection, so the time of each is
// its round trips to the server: a box move was eight (savepoint, lock and
// read, location, update, ledger append, totals …). Most of those are
// writes whose answer the caller does not need once Go has decided what to
// write: ExecLater queues them, and the queue is sent in one round trip
// (pgx's pipeline, one Sync) together with the next statement that needs an
// answer (usually the next caller's read) or before the commit. A caller's
// savepoint is queued the same way. A move then costs about one round trip.
//
// What can go wrong, and what the callers then see:
//   - A caller that returns an error (or panics) with writes still queued:
//     they are dropped, never sent; if part of its work was sent, a
//     ROLLBACK TO its savepoint is queued instead. Either way it leaves no
//     trace.
//   - A queued write that fails when sent (or, for ExecLaterOne, changes
//     other than one row): the transaction is rolled back to the savepoint
//     of the caller who queued it, and that caller is answered with the
//     error. The callers after it in the same shared transaction whose
//     work was in the same pipeline (it was rolled back with it) are
//     answered with a retryable error (503: nothing was saved, try again).
//     Their writes never fail in practice (the rows are locked, the values
//     checked before they are queued); this rule is the simplest that
//     keeps "a refusal undoes only its own changes" for the callers whose
//     work committed, and never commits work whose answer was an error.
//   - A savepoint, or a rollback to one, that fails: the transaction can go
//     no further and every caller in it is answered with the error, as when
//     the connection breaks.
//
// On SQLite, and in InTx, ExecLater simply executes.

// later is one queued write.
type later struct {
	q     string // rebound
	args  []any
	owner int  // the caller (index in the shared transaction); -1 the transaction's own
	one   bool // must change exactly one row
	sp    bool // a savepoint: its failure ends the transaction
}

// pipe is the queue of a shared transaction on PostgreSQL.
type pipe struct {
	conn   *sql.Conn
	shared bool // callers run in savepoints
	queue  []later
	cur    int           // the caller running now; -1 none (the commit's flush)
	ran    int           // the last caller that began
	sent   int           // the last caller some of whose work has been sent; -1 none
	failed map[int]error // callers failed by a queued write at send time
	broken error         // the transaction can go no further
	snaps  map[int]map[any]any
}

// requestSavepoint is the savepoint of each caller of a shared transaction
// on PostgreSQL: one name for all, so that its statement is prepared once
// per connection, not once per caller's place in a transaction. The callers'
// savepoints nest; ROLLBACK TO acts on the innermost of the name, which is
// the current caller's, or, when a queued write fails when sent, its
// caller's (the callers after it had their savepoints in the part of the
// pipeline that did not run). The name differs from Tx.Savepoint's, whose
// savepoints may be left open inside a caller's (SavepointKept).
const requestSavepoint = "abri_req"

// errRetry answers a caller whose work was rolled back because a write of
// another caller before it, sent in the same pipeline, failed.
func errRetry(cause error) error {
	return apperr.Wrap(fmt.Errorf("shared transaction: an earlier request's write failed: %w", cause), apperr.Unavailable, "error.internal")
}

// ExecLater runs a statement whose result the caller does not need. In a
// shared transaction on PostgreSQL it is queued and sent with the next
// statement that needs an answer or before the commit (see above); its
// failure then fails the caller's request though ExecLater returned nil.
// Elsewhere it executes at once and returns its error.
func (t *Tx) ExecLater(ctx context.Context, q string, args ...any) error {
	return t.execLater(ctx, false, q, args)
}

// ExecLaterOne is ExecLater for a write that must change exactly one row:
// any other count fails it as an error would.
func (t *Tx) ExecLaterOne(ctx context.Context, q string, args ...any) error {
	return t.execLater(ctx, true, q, args)
}

func (t *Tx) execLater(ctx context.Context, one bool, q string, args []any) error {
	p := t.s.pipe
	if p == nil {
		res, err := t.Exec(ctx, q, args...)
		if err == nil && one {
			err = checkOne(q, res)
		}
		return err
	}
	if err := t.pipeErr(ctx); err != nil {
		return err
	}
	p.queue = append(p.queue, later{q: t.db.Rebind(q), args: args, owner: p.cur, one: one})
	return nil
}

func checkOne(q string, res interface{ RowsAffected() (int64, error) }) error {
	n, err := res.RowsAffected()
	if err == nil && n != 1 {
		err = fmt.Errorf("%s: %d rows changed, not 1", firstWords(q), n)
	}
	return err
}

// firstWords names a statement in an error without its arguments.
func firstWords(q string) string {
	f := strings.Fields(q)
	return strings.Join(f[:min(len(f), 4)], " ")
}

// pipeErr is the error a caller's next statement fails with before it is
// sent: the transaction is broken, the caller was failed at send time, or
// its context ended.
func (t *Tx) pipeErr(ctx context.Context) error {
	p := t.s.pipe
	if p.broken != nil {
		return p.broken
	}
	if err := p.failed[p.cur]; err != nil {
		return err
	}
	return t.ctx(ctx).Err()
}

// pending tells whether writes are queued.
func (t *Tx) pending() bool { return t.s.pipe != nil && len(t.s.pipe.queue) > 0 }

// flush sends the queued writes, alone.
func (t *Tx) flush(ctx context.Context) error {
	if !t.pending() {
		if t.s.pipe != nil {
			return t.pipeErr(ctx)
		}
		return nil
	}
	return t.send(ctx, nil, nil, nil)
}

// send sends the queued writes and then q (when not ""), in one round trip,
// and lets read take q's result from the batch.
func (t *Tx) send(ctx context.Context, q *string, args []any, read func(pgx.BatchResults) error) error {
	p := t.s.pipe
	if err := t.pipeErr(ctx); err != nil {
		return err
	}
	queued := p.queue
	p.queue = nil
	failAt, failErr := -1, error(nil)
	var readErr error
	rctx := t.ctx(ctx)
	err := p.conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(queued)+1)}
		for _, l := range queued {
			b.Queue(l.q, l.args...)
		}
		if q != nil {
			b.Queue(*q, args...)
		}
		br := pc.SendBatch(rctx, b)
		for i, l := range queued {
			tag, err := br.Exec()
			if err == nil && l.one && tag.RowsAffected() != 1 {
				err = fmt.Errorf("%s: %d rows changed, not 1", firstWords(l.q), tag.RowsAffected())
			}
			if err != nil {
				failAt, failErr = i, err
				break
			}
		}
		if failAt < 0 && q != nil {
			readErr = read(br)
		}
		cerr := br.Close()
		if failAt < 0 && readErr == nil && cerr != nil {
			// The reader left the batch's end unread and it failed.
			readErr = cerr
		}
		return nil
	})
	if err != nil { // the connection could not be had
		p.broken = err
		return err
	}
	if len(queued) > 0 {
		p.sent = max(p.sent, queued[len(queued)-1].owner)
	}
	if failAt < 0 {
		if q != nil {
			p.sent = max(p.sent, p.cur)
		}
		return readErr
	}
	t.failAt(queued[failAt], failErr)
	// The failed caller is the current one or one before it, whose
	// rollback took the current one's work with it.
	return t.pipeErr(ctx)
}

// failAt handles a queued write that failed when sent (see above).
func (t *Tx) failAt(l later, cause error) {
	p := t.s.pipe
	m := l.owner
	if m < 0 || l.sp {
		p.broken = fmt.Errorf("shared transaction: %w", cause)
		return
	}
	if p.shared {
		if _, err := t.s.tx.ExecContext(t.s.ctx, "ROLLBACK TO SAVEPOINT "+requestSavepoint); err != nil {
			p.broken = fmt.Errorf("shared transaction: %w (rollback to savepoint: %v)", cause, err)
			return
		}
	}
	if p.failed == nil {
		p.failed = map[int]error{}
	}
	p.failed[m] = cause
	for k := m + 1; k <= p.ran; k++ {
		if p.failed[k] == nil {
			p.failed[k] = errRetry(cause)
		}
	}
	t.s.local = maps.Clone(p.snaps[m])
}

// beginMember queues caller i's savepoint (when shared) and remembers the
// transaction's values as they were before it.
func (p *pipe) beginMember(st *txState, i int) {
	p.cur, p.ran = i, i
	p.snaps[i] = maps.Clone(st.local)
	if p.shared {
		p.queue = append(p.queue, later{q: "SAVEPOINT " + requestSavepoint, owner: i, sp: true})
	}
}

// undoMember undoes caller i's work after its fn failed: its queued writes
// are dropped; if some of its work was sent, a rollback to its savepoint is
// queued (its failure ends the transaction). It tells whether the caller
// was already undone at send time.
func (p *pipe) undoMember(st *txState, i int) bool {
	if p.failed[i] != nil {
		return true
	}
	st.local = maps.Clone(p.snaps[i])
	n := len(p.queue)
	for n > 0 && p.queue[n-1].owner == i {
		n--
	}
	p.queue = p.queue[:n]
	if p.sent >= i {
		p.queue = append(p.queue, later{q: "ROLLBACK TO SAVEPOINT " + requestSavepoint, owner: -1})
	}
	return false
}

// execResult is a sql.Result from a statement sent in a pipeline.
type execResult pgconn.CommandTag

func (r execResult) LastInsertId() (int64, error) {
	return 0, fmt.Errorf("LastInsertId is not supported by PostgreSQL")
}
func (r execResult) RowsAffected() (int64, error) { return pgconn.CommandTag(r).RowsAffected(), nil }

// pipedRow is a row whose statement is sent, with the queued writes before
// it, when it is scanned.
type pipedRow struct {
	t    *Tx
	ctx  context.Context
	q    string
	args []any
}

func (r pipedRow) Scan(dest ...any) error {
	return r.t.send(r.ctx, &r.q, r.args, func(br pgx.BatchResults) error { return br.QueryRow().Scan(dest...) })
}

// Value returns what the transaction keeps under key (see SetValue).
func (t *Tx) Value(key any) (any, bool) {
	v, ok := t.s.local[key]
	return v, ok
}

// SetValue keeps v under key for the rest of the transaction: a package's
// note of what this transaction wrote (the ledger keeps the chain head it
// moved, and so holds locked). A savepoint rolled back, or a caller of a
// shared transaction that fails, takes back the values it set.
func (t *Tx) SetValue(key, v any) {
	if t.s.local == nil {
		t.s.local = map[any]any{}
	}
	t.s.local[key] = v
}
