package db

import (
	"context"
	"errors"
	"fmt"
	"maps"
)

// savepointName is the one name abri's own savepoints use. Both databases
// allow a name to be reused: ROLLBACK TO and RELEASE act on the innermost
// savepoint of that name, so savepoints nest without numbering.
const savepointName = "abri_sp"

// Savepoint runs fn inside a savepoint of t. When fn returns an error or
// panics, only what fn changed is undone (its ledger events with it) and the
// transaction goes on; fn's error is returned (the panic raised again). When
// fn returns nil the savepoint is released and its changes commit with the
// transaction.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) (err error) {
	return t.savepoint(ctx, fn, true)
}

// SavepointKept is Savepoint for a loop of a few dozen savepoints in one
// transaction, one after the other: on PostgreSQL a savepoint whose fn
// succeeded is left open instead of released (one round trip fewer), and
// the transaction's commit releases them all. A later savepoint nests in the
// ones left open, so rolling it back undoes only its own changes. Keep the
// count under 64 a transaction: PostgreSQL caches that many subtransactions
// per connection. On SQLite, where a statement costs no round trip, it is
// Savepoint.
func (t *Tx) SavepointKept(ctx context.Context, fn func() error) error {
	return t.savepoint(ctx, fn, t.db.Dialect != Postgres)
}

func (t *Tx) savepoint(ctx context.Context, fn func() error, release bool) (err error) {
	if _, err := t.Exec(ctx, "SAVEPOINT "+savepointName); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	done := false
	values := maps.Clone(t.s.local)
	defer func() {
		if done {
			return
		}
		p := recover()
		t.s.local = values
		if _, rerr := t.Exec(ctx, "ROLLBACK TO SAVEPOINT "+savepointName); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
		} else if _, rerr := t.Exec(ctx, "RELEASE SAVEPOINT "+savepointName); rerr != nil {
			err = errors.Join(err, fmt.Errorf("release savepoint: %w", rerr))
		}
		if p != nil {
			panic(p)
		}
	}()
	if err = fn(); err != nil {
		return err
	}
	done = true
	if !release {
		return nil
	}
	if _, err := t.Exec(ctx, "RELEASE SAVEPOINT "+savepointName); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}
