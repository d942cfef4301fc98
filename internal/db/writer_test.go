package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/db"
	"abri/internal/dbtest"
)

// waitFor polls cond until it holds; it fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdWriter begins a write transaction on SQLite and keeps it open until
// the returned function is called.
func holdWriter(t *testing.T, d *db.DB) (release func()) {
	t.Helper()
	return hold(t, d.InTx, func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), "INSERT INTO organisations (slug, name, created_at) VALUES ('held', 'Held', 0)")
		return err
	})
}

// hold runs a transaction through begin (InTx, or InTxGroup of a key) that,
// once first has run in it, waits until the returned function is called.
func hold(t *testing.T, begin func(context.Context, func(*db.Tx) error) error, first func(*db.Tx) error) (release func()) {
	t.Helper()
	began, stop, ended := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		ended <- begin(context.Background(), func(tx *db.Tx) error {
			if err := first(tx); err != nil {
				return err
			}
			close(began)
			<-stop
			return nil
		})
	}()
	<-began
	return func() {
		close(stop)
		if err := <-ended; err != nil {
			t.Errorf("the long write: %v", err)
		}
	}
}

// TestReadsDoNotWaitForTheWriter: on SQLite, reads outside transactions use
// their own read-only connections, so a long write keeps none of them
// waiting.
func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('a', 'A', 0)"); err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, d)
	// Writers queued behind it hold nothing a reader needs.
	var writers sync.WaitGroup
	for i := range 12 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			if _, err := d.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES (?, 'W', 0)", "w"+string(rune('a'+i))); err != nil {
				t.Error(err)
			}
		}()
	}
	waitFor(t, "the writers to queue", func() bool { return db.WritersWaiting(d) == 12 })
	// 20 reads at once, more than the read pool holds, each with a
	// deadline it would miss if it waited for the write.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			var n int
			if err := d.QueryRow(rctx, "SELECT COUNT(*) FROM organisations").Scan(&n); err != nil {
				errs <- err
				return
			}
			if n != 1 { // the uncommitted row is not seen
				errs <- errors.New("a read saw an uncommitted row")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	release()
	writers.Wait()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM organisations").Scan(&n); err != nil || n != 14 {
		t.Fatalf("after the writes committed: %d organisations, %v; want 14", n, err)
	}
}

// TestReadPoolIsReadOnly: a write sent to the read pool fails at once
// instead of taking the write lock behind the writer's back.
func TestReadPoolIsReadOnly(t *testing.T) {
	d := dbtest.SQLite(t)
	_, err := d.SQL().Exec("INSERT INTO organisations (slug, name, created_at) VALUES ('x', 'X', 0)")
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("write through the read pool: %v; want a read-only error", err)
	}
}

// TestWritersTakeTurnsInOrder: SQLite writers queue in Go in the order they
// came, without polling.
func TestWritersTakeTurnsInOrder(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, "CREATE TABLE turns (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, d)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO turns (n) VALUES (?)", i)
				return err
			}); err != nil {
				t.Error(err)
			}
		}()
		waitFor(t, "the writer to queue", func() bool { return db.WritersWaiting(d) == i+1 })
	}
	release()
	wg.Wait()
	rows, err := d.Query(ctx, "SELECT n FROM turns ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for want := 0; rows.Next(); want++ {
		var n int
		if err := rows.Scan(&n); err != nil || n != want {
			t.Fatalf("turn %d went to writer %d (%v)", want, n, err)
		}
	}
}

// TestWriterGivesUpAtItsDeadline: a writer whose context ends while it waits
// for its turn leaves the queue with the context's error, and the writer
// after it still gets its turn.
func TestWriterGivesUpAtItsDeadline(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	release := holdWriter(t, d)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	ran := false
	err := d.InTx(short, func(tx *db.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("InTx past its deadline = %v (ran %v); want DeadlineExceeded, not run", err, ran)
	}
	if n := db.WritersWaiting(d); n != 0 {
		t.Fatalf("%d writers still queued after giving up", n)
	}
	done := make(chan error, 1)
	go func() {
		done <- d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES ('after', 'After', 0)")
			return err
		})
	}()
	waitFor(t, "the next writer to queue", func() bool { return db.WritersWaiting(d) == 1 })
	release()
	if err := <-done; err != nil {
		t.Fatalf("the writer after: %v", err)
	}
}

// TestStatementsAreReused: a statement run again inside later transactions
// and outside them gives the same results from its prepared form.
func TestStatementsAreReused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := range 5 {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				for j := range 3 {
					if _, err := tx.Exec(ctx, "INSERT INTO organisations (slug, name, created_at) VALUES (?, 'O', ?)", "o"+string(rune('a'+i*3+j)), i); err != nil {
						return err
					}
				}
				var n int
				if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM organisations WHERE created_at <= ?", i).Scan(&n); err != nil {
					return err
				}
				if n != 3*(i+1) {
					t.Errorf("transaction %d sees %d rows; want %d", i, n, 3*(i+1))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM organisations WHERE created_at <= ?", i).Scan(&n); err != nil || n != 3*(i+1) {
				t.Fatalf("after transaction %d: %d rows, %v", i, n, err)
			}
		}
		if w, r := db.CachedStatements(d); d.Dialect == db.SQLite && (w != 2 || r != 1) {
			t.Fatalf("SQLite keeps %d writer and %d reader statements prepared; want 2 and 1", w, r)
		}
	})
}
