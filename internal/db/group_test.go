package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// holdGroup runs a shared transaction of key that waits until release is
// called, so that callers coming meanwhile queue for the next one.
func holdGroup(t *testing.T, d *db.DB, key int64) (release func()) {
	t.Helper()
	begin := func(ctx context.Context, fn func(*db.Tx) error) error { return d.InTxGroup(ctx, key, fn) }
	return hold(t, begin, func(*db.Tx) error { return nil })
}

// TestGroupCommitSavepoints: callers who queue while a transaction is under
// way share the next one, in the order they came. One that fails after
// writing, or panics, leaves nothing behind, not even a gap in the numbers
// the others take after it; the others commit, and each caller is answered
// only once its row can be read from another connection.
func TestGroupCommitSavepoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, "CREATE TABLE gc (n BIGINT PRIMARY KEY, caller BIGINT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		const key = 7
		before := d.GroupStats()
		release := holdGroup(t, d, key)
		refused := errors.New("refused")
		type answer struct {
			err      error
			panicked any
			visible  bool
		}
		const callers = 6
		answers := make([]chan answer, callers)
		for i := range callers {
			answers[i] = make(chan answer, 1)
			go func() {
				var a answer
				defer func() {
					a.panicked = recover()
					answers[i] <- a
				}()
				a.err = d.InTxGroup(ctx, key, func(tx *db.Tx) error {
					// Take the next number, as a ledger append does.
					if _, err := tx.Exec(ctx, "INSERT INTO gc (n, caller) SELECT COALESCE(MAX(n), 0) + 1, ? FROM gc", i); err != nil {
						return err
					}
					switch i {
					case 2:
						return refused
					case 4:
						panic("caller 4 breaks")
					}
					return nil
				})
				if a.err == nil {
					var n int
					err := d.QueryRow(ctx, "SELECT COUNT(*) FROM gc WHERE caller = ?", i).Scan(&n)
					a.visible = err == nil && n == 1
				}
			}()
			// Let each join before the next, so that the order is known.
			waitFor(t, fmt.Sprintf("caller %d to queue", i), func() bool { return d.GroupWaiting(key) == i+1 })
		}
		release()
		for i := range callers {
			a := <-answers[i]
			switch i {
			case 2:
				if !errors.Is(a.err, refused) {
					t.Errorf("caller 2: %v, want its own error", a.err)
				}
			case 4:
				if a.panicked != "caller 4 breaks" {
					t.Errorf("caller 4: panic %v, error %v; want its panic raised again", a.panicked, a.err)
				}
			default:
				if a.err != nil || a.panicked != nil || !a.visible {
					t.Errorf("caller %d: %v, panic %v, committed row visible %v", i, a.err, a.panicked, a.visible)
				}
			}
		}
		got := tableRows(t, d, "gc")
		want := fmt.Sprint([][2]int64{{1, 0}, {2, 1}, {3, 3}, {4, 5}})
		if got != want {
			t.Errorf("rows (n, caller) = %v, want %v: in the order they came, none of the failed, no gap", got, want)
		}
		after := d.GroupStats()
		if tx, req := after.Transactions-before.Transactions, after.Requests-before.Requests; tx != 2 || req != 5 {
			t.Errorf("%d transactions answered %d callers; want the held one and one shared by the 4 that succeeded", tx, req)
		}
	})
}

// TestGroupCommitAlone: a caller with nobody in its way runs at once in a
// transaction of its own; a failure rolls it all back.
func TestGroupCommitAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, "CREATE TABLE gc (n BIGINT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		refused := errors.New("refused")
		err := d.InTxGroup(ctx, 1, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO gc (n) VALUES (1)"); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("error %v", err)
		}
		if err := d.InTxGroup(ctx, 1, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO gc (n) VALUES (2)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var ns []int64
		rows, err := d.Query(ctx, "SELECT n FROM gc")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n int64
			rows.Scan(&n)
			ns = append(ns, n)
		}
		if fmt.Sprint(ns) != "[2]" {
			t.Errorf("rows %v, want [2]", ns)
		}
	})
}

// TestWriterKeepsJournalsInMemory: the SQLite writer keeps its savepoint
// journals in memory, so that a request's savepoint in a shared
// transaction costs no writes to a temporary file.
func TestWriterKeepsJournalsInMemory(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	var store int
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "PRAGMA temp_store").Scan(&store)
	}); err != nil {
		t.Fatal(err)
	}
	if store != 2 {
		t.Errorf("temp_store = %d, want 2 (memory)", store)
	}
}

// TestGroupCommitDeferredWrites: writes queued with ExecLater (sent, on
// PostgreSQL, with the next statement that needs an answer or before the
// commit) keep the shared transaction's promises. A caller that fails
// leaves no trace, whether its queued writes were still unsent (dropped) or
// already sent (rolled back to its savepoint). A queued write that fails
// when it is sent fails the caller who queued it, with its error; on
// PostgreSQL the callers whose work was in the same pipeline after it are
// answered with a retryable error (503) and leave no trace either; on
// SQLite, where ExecLater executes at once, they commit. Callers before it
// commit, and a caller reads its own queued writes.
func TestGroupCommitDeferredWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, "CREATE TABLE gd (n BIGINT PRIMARY KEY CHECK (n < 100), caller BIGINT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		const key = 9
		release := holdGroup(t, d, key)
		refused := errors.New("refused")
		count := func(tx *db.Tx) (int, error) {
			var n int
			err := tx.Row(ctx, "SELECT COUNT(*) FROM gd").Scan(&n)
			return n, err
		}
		insert := func(tx *db.Tx, n, caller int) error {
			return tx.ExecLater(ctx, "INSERT INTO gd (n, caller) VALUES (?, ?)", n, caller)
		}
		var seen int
		callers := []func(tx *db.Tx) error{
			0: func(tx *db.Tx) error { // reads its own queued write
				if err := insert(tx, 1, 0); err != nil {
					return err
				}
				n, err := count(tx)
				seen = n
				return err
			},
			1: func(tx *db.Tx) error { // fails with its write unsent
				if err := insert(tx, 2, 1); err != nil {
					return err
				}
				return refused
			},
			2: func(tx *db.Tx) error { // fails with its write sent
				if err := insert(tx, 3, 2); err != nil {
					return err
				}
				if _, err := count(tx); err != nil {
					return err
				}
				return refused
			},
			3: func(tx *db.Tx) error { // its write changes no row: fails when sent
				return tx.ExecLaterOne(ctx, "UPDATE gd SET caller = 3 WHERE n = 99")
			},
			4: func(tx *db.Tx) error { // its read goes with caller 3's write
				if _, err := count(tx); err != nil {
					return err
				}
				return insert(tx, 4, 4)
			},
			5: func(tx *db.Tx) error { return insert(tx, 5, 5) },
			6: func(tx *db.Tx) error { return insert(tx, 100, 6) }, // refused by the CHECK when sent
			7: func(tx *db.Tx) error { return insert(tx, 7, 7) },
		}
		errs := make([]chan error, len(callers))
		for i, fn := range callers {
			errs[i] = make(chan error, 1)
			go func() { errs[i] <- d.InTxGroup(ctx, key, fn) }()
			waitFor(t, fmt.Sprintf("caller %d to queue", i), func() bool { return d.GroupWaiting(key) == i+1 })
		}
		release()
		got := make([]error, len(callers))
		for i := range callers {
			got[i] = <-errs[i]
		}
		pg := d.Dialect == db.Postgres
		check := func(i int, ok bool, want string) {
			if !ok {
				t.Errorf("caller %d: %v, want %s", i, got[i], want)
			}
		}
		check(0, got[0] == nil, "committed")
		check(1, errors.Is(got[1], refused), "its own error")
		check(2, errors.Is(got[2], refused), "its own error")
		check(3, got[3] != nil && strings.Contains(got[3].Error(), "0 rows changed"), "the write's own error")
		check(5, got[5] == nil, "committed")
		check(6, got[6] != nil && apperr.CodeOf(got[6]) != apperr.Unavailable, "the CHECK's error")
		want := "[[1 0] [4 4] [5 5] [7 7]]"
		if pg {
			check(4, apperr.CodeOf(got[4]) == apperr.Unavailable, "a retryable error")
			check(7, apperr.CodeOf(got[7]) == apperr.Unavailable, "a retryable error")
			want = "[[1 0] [5 5]]"
		} else {
			check(4, got[4] == nil, "committed")
			check(7, got[7] == nil, "committed")
		}
		if seen != 1 {
			t.Errorf("caller 0 counted %d rows, want its own 1", seen)
		}
		if rows := tableRows(t, d, "gd"); rows != want {
			t.Errorf("rows (n, caller) %s, want %s", rows, want)
		}

		// Alone in its transaction, a caller whose queued write fails at
		// the commit is answered with the error, and nothing commits.
		err := d.InTxGroup(ctx, key, func(tx *db.Tx) error {
			if err := insert(tx, 10, 10); err != nil {
				return err
			}
			return insert(tx, 1, 10) // a duplicate key
		})
		if !db.IsUniqueViolation(err) {
			t.Errorf("alone: %v, want the duplicate key", err)
		}
		if rows := tableRows(t, d, "gd"); rows != want {
			t.Errorf("after the lone caller: rows %s, want %s", rows, want)
		}
	})
}

// tableRows reads (n, caller) of a test table, in the order of n.
func tableRows(t *testing.T, d *db.DB, table string) string {
	t.Helper()
	rows, err := d.Query(context.Background(), "SELECT n, caller FROM "+table+" ORDER BY n")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][2]int64
	for rows.Next() {
		var r [2]int64
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	return fmt.Sprint(got)
}
