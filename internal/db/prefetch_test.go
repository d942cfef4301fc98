package db_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"abri/internal/db"
	"abri/internal/dbtest"
)

// rowFetch prefetches row k of table pf (test Prefetcher).
type rowFetch struct {
	k     int64
	calls *atomic.Int64 // Prefetch calls
	fail  bool          // Prefetch fails after locking the rows
}

func (f *rowFetch) Prefetch(ctx context.Context, tx *db.Tx, all []db.Prefetcher) error {
	f.calls.Add(1)
	var ks []int64
	for _, p := range all {
		ks = append(ks, p.(*rowFetch).k)
	}
	err := tx.QueryEach(ctx, "SELECT k, v FROM pf WHERE k = ANY(?) ORDER BY k FOR UPDATE", []any{ks}, func(r db.Row) error {
		var k, v int64
		if err := r.Scan(&k, &v); err != nil {
			return err
		}
		tx.Prefetched(k, v)
		return nil
	})
	if err == nil && f.fail {
		err = tx.QueryEach(ctx, "SELECT 1/0", nil, func(db.Row) error { return nil })
	}
	return err
}

// readRow is what a caller of the test does: take row k's value from the
// prefetch, or read it.
func readRow(ctx context.Context, tx *db.Tx, k int64) (v int64, fetched bool, err error) {
	if x, ok := tx.TakePrefetched(k); ok {
		return x.(int64), true, nil
	}
	err = tx.Row(ctx, "SELECT v FROM pf WHERE k = ?", k).Scan(&v)
	return v, false, err
}

// queue starts fns as callers of key's next shared transaction, in order,
// while the current one is held, and returns their answers once released.
func queue(t *testing.T, d *db.DB, key int64, pfs []db.Prefetcher, fns []func(*db.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	release := holdGroup(t, d, key)
	answers := make([]chan error, len(fns))
	for i := range fns {
		answers[i] = make(chan error, 1)
		go func() { answers[i] <- d.InTxGroupPrefetch(ctx, key, pfs[i], fns[i]) }()
		deadline := time.Now().Add(10 * time.Second)
		for d.GroupWaiting(key) != i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("caller %d did not queue", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	release()
	out := make([]error, len(fns))
	for i := range fns {
		out[i] = <-answers[i]
	}
	return out
}

// TestPrefetch: callers of a shared transaction on PostgreSQL that say what
// they will read find it read for them, once: a value taken is gone for the
// next caller of the same row, who reads the row as the one before left it;
// a caller that fails gives its value back; a caller that did not prefetch
// (it may write anything) makes every value still there go. On SQLite
// nothing is prefetched and every caller reads for itself. Either way each
// caller sees the row as the callers before it left it.
func TestPrefetch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		pfTable(t, d, "(1, 0), (2, 0), (3, 0)")
		var calls atomic.Int64
		pf := func(k int64) db.Prefetcher { return &rowFetch{k: k, calls: &calls} }
		type seen struct {
			v       int64
			fetched bool
		}
		got := make([]seen, 7)
		refused := errors.New("refused")
		// add reads row k, remembers what caller i saw, and adds one.
		add := func(i int, k int64, fail bool) func(*db.Tx) error {
			return func(tx *db.Tx) error {
				v, fetched, err := readRow(ctx, tx, k)
				if err != nil {
					return err
				}
				got[i] = seen{v, fetched}
				if err := tx.ExecLater(ctx, "UPDATE pf SET v = ? WHERE k = ?", v+1, k); err != nil {
					return err
				}
				if fail {
					return refused
				}
				return nil
			}
		}
		errs := queue(t, d, 5, []db.Prefetcher{pf(1), pf(1), pf(2), pf(2), nil, pf(3), pf(1)}, []func(*db.Tx) error{
			0: add(0, 1, false), // takes row 1 as read
			1: add(1, 1, false), // row 1 again: reads it, as 0 left it
			2: add(2, 2, true),  // takes row 2, adds, fails: gives it back
			3: add(3, 2, false), // takes row 2 as read
			4: func(tx *db.Tx) error { // did not prefetch: writes row 3
				return tx.ExecLater(ctx, "UPDATE pf SET v = 10 WHERE k = 3")
			},
			5: add(5, 3, false), // row 3: what was read is gone; reads 10
			6: add(6, 1, false), // row 1: reads 2
		})
		for i, err := range errs {
			if want := error(nil); i == 2 {
				if !errors.Is(err, refused) {
					t.Errorf("caller 2: %v, want refused", err)
				}
			} else if err != want {
				t.Errorf("caller %d: %v", i, err)
			}
		}
		pg := d.Dialect == db.Postgres
		want := []seen{{0, pg}, {1, false}, {0, pg}, {0, pg}, {}, {10, false}, {2, false}}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("caller %d saw %+v, want %+v", i, got[i], want[i])
			}
		}
		if n, want := calls.Load(), map[bool]int64{true: 1, false: 0}[pg]; n != want {
			t.Errorf("%d prefetches, want %d", n, want)
		}
		var rows string
		if err := d.QueryRow(ctx, "SELECT "+concatRows(d)+" FROM pf").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != "1=3 2=1 3=11" {
			t.Errorf("rows %q", rows)
		}
	})
}

// TestPrefetchFailure: a prefetch that fails (here after locking the rows)
// leaves the shared transaction usable: nothing it read is found, every
// caller reads for itself, and all commit.
func TestPrefetchFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		pfTable(t, d, "(1, 0), (2, 0)")
		var calls atomic.Int64
		var fetched atomic.Int64
		fn := func(k int64) func(*db.Tx) error {
			return func(tx *db.Tx) error {
				v, f, err := readRow(ctx, tx, k)
				if f {
					fetched.Add(1)
				}
				if err != nil {
					return err
				}
				return tx.ExecLater(ctx, "UPDATE pf SET v = ? WHERE k = ?", v+1, k)
			}
		}
		pfs := []db.Prefetcher{&rowFetch{k: 1, calls: &calls, fail: true}, &rowFetch{k: 2, calls: &calls}, &rowFetch{k: 1, calls: &calls}}
		for i, err := range queue(t, d, 6, pfs, []func(*db.Tx) error{fn(1), fn(2), fn(1)}) {
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
		}
		if n := fetched.Load(); n != 0 {
			t.Errorf("%d callers found a value of the failed prefetch", n)
		}
		if d.Dialect == db.Postgres && calls.Load() != 1 {
			t.Errorf("%d prefetches, want 1", calls.Load())
		}
		var rows string
		if err := d.QueryRow(ctx, "SELECT "+concatRows(d)+" FROM pf").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != "1=2 2=1" {
			t.Errorf("rows %q", rows)
		}
	})
}

// concatRows is an aggregate of table pf's rows as "k=v k=v", in k order.
func concatRows(d *db.DB) string {
	if d.Dialect == db.Postgres {
		return "string_agg(k || '=' || v, ' ' ORDER BY k)"
	}
	return "group_concat(k || '=' || v, ' ' ORDER BY k)"
}

// pfTable makes table pf with the given rows (k, v).
func pfTable(t *testing.T, d *db.DB, rows string) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.Exec(ctx, "CREATE TABLE pf (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "INSERT INTO pf (k, v) VALUES "+rows); err != nil {
		t.Fatal(err)
	}
}
