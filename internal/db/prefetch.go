package db

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Prefetch. Inside a shared transaction on PostgreSQL the callers run one
// after another on one connection. With deferred writes (pipe.go) each still
// waits for one round trip of its own: its read under lock (a box move reads
// and locks the box it moves). A caller that knows beforehand what it will
// read says so (InTxGroupPrefetch): once the transaction has begun, the reads
// of all its callers of one kind are made together, in one statement sent
// with the transaction's first, and each caller takes its own from the
// transaction (Tx.TakePrefetched) instead of asking the server. A shared
// transaction of n box moves then waits for a few round trips, not n.
//
// What was read is true only until something else in the transaction
// writes, so:
//   - a value is taken by the caller it was read for (TakePrefetched removes
//     it; a caller that fails gets it back, with the rest of its values,
//     since its writes are undone too);
//   - a Prefetcher's caller must change nothing but what its own key names
//     (a box move changes its box);
//   - every value still there is dropped before a caller that did not
//     prefetch runs, since its writes may touch anything.
//
// On SQLite, in InTx and in a transaction of one caller, nothing is
// prefetched: callers read for themselves (there it costs no extra wait).

// A Prefetcher says what a caller of InTxGroupPrefetch will read.
type Prefetcher interface {
	// Prefetch reads, for all the given Prefetchers (of the receiver's own
	// type, one per caller, in the callers' order), what they will read,
	// and keeps each result with tx.Prefetched. It runs in the shared
	// transaction before any caller's fn, and may lock what it reads. When
	// it fails the transaction goes on without: the callers read for
	// themselves.
	Prefetch(ctx context.Context, tx *Tx, all []Prefetcher) error
}

// prefetchSavepoint lets a failed prefetch (a lock that could not be had)
// leave the transaction usable.
const prefetchSavepoint = "abri_pf"

// prefetchKey is where a prefetched value is kept among the transaction's
// values (Tx.Value), so that a failed caller's values come back with it.
type prefetchKey struct{ k any }

// InTxGroupPrefetch is InTxGroup for a caller that says, with pf, what fn
// will read: see Prefetcher. A nil pf is InTxGroup.
func (d *DB) InTxGroupPrefetch(ctx context.Context, key int64, pf Prefetcher, fn func(*Tx) error) error {
	return d.inTxGroup(ctx, key, pf, fn)
}

// Prefetched keeps v, read for the caller whose key is k, until that caller
// takes it.
func (t *Tx) Prefetched(k, v any) { t.SetValue(prefetchKey{k}, v) }

// TakePrefetched returns and removes what was read for key k, if anything
// still is.
func (t *Tx) TakePrefetched(k any) (any, bool) {
	v, ok := t.s.local[prefetchKey{k}]
	if ok {
		delete(t.s.local, prefetchKey{k})
	}
	return v, ok
}

// dropPrefetched forgets every prefetched value.
func (st *txState) dropPrefetched() {
	for k := range st.local {
		if _, ok := k.(prefetchKey); ok {
			delete(st.local, k)
		}
	}
}

// prefetch runs the Prefetchers of a shared transaction's callers, by kind,
// before any caller runs. Kinds with one caller are left alone: reading
// together saves nothing there.
func (d *DB) prefetch(st *txState, batch []*member) {
	p := st.pipe
	byKind := map[reflect.Type][]Prefetcher{}
	var kinds []reflect.Type
	for _, m := range batch {
		if m.pf == nil || m.ctx.Err() != nil {
			continue
		}
		k := reflect.TypeOf(m.pf)
		if byKind[k] == nil {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], m.pf)
	}
	kinds = slices.DeleteFunc(kinds, func(k reflect.Type) bool { return len(byKind[k]) < 2 })
	if len(kinds) == 0 {
		return
	}
	p.cur = -1
	p.queue = append(p.queue, later{q: "SAVEPOINT " + prefetchSavepoint, owner: -1, sp: true})
	tx := &Tx{s: st, db: d, Now: d.Clock.Now()}
	for _, k := range kinds {
		all := byKind[k]
		if err := all[0].Prefetch(st.ctx, tx, all); err != nil {
			st.dropPrefetched()
			if p.broken != nil {
				return
			}
			if _, rerr := st.tx.ExecContext(st.ctx, "ROLLBACK TO SAVEPOINT "+prefetchSavepoint); rerr != nil {
				p.broken = fmt.Errorf("shared transaction: prefetch: %w (rollback to savepoint: %v)", err, rerr)
			}
			return
		}
	}
}

// QueryEach runs a query in the transaction and calls row once per row, to
// scan it. With writes queued (ExecLater), they are sent with it in one
// round trip.
func (t *Tx) QueryEach(ctx context.Context, q string, args []any, row func(Row) error) error {
	if !t.pending() {
		rows, err := t.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, row)
	}
	rq := t.db.Rebind(q)
	return t.send(ctx, &rq, args, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, row)
	})
}

// eachRow calls row for each of rows (database/sql's or pgx's).
func eachRow(rows interface {
	Row
	Next() bool
	Err() error
}, row func(Row) error) error {
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
