package stock_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/stock"
)

// TestSharedTransactionIsolation: changes of one organisation's boxes that
// come while another is being saved share the next transaction. A change
// refused there (a stale version; a writer that had already changed a box
// and appended its event when it failed) leaves no trace in the boxes, the
// totals or the ledger; the others are saved, their events follow one
// another in the order the changes came, and each answer shows the box as
// it now is.
func TestSharedTransactionIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a, b, c, e := w.jackets("S", 1), w.jackets("M", 2), w.jackets("L", 3), w.jackets("XL", 4)
		if r, err := w.s.TagBoxes(ctx, w.wh, []string{a.Code}, "winter", false); err != nil || r.Failed() > 0 {
			t.Fatalf("tag: %+v %v", r, err)
		}
		var head int64
		w.must(d.QueryRow(ctx, "SELECT MAX(seq) FROM ledger WHERE org_id = ?", w.wh.OrgID).Scan(&head))
		org := w.wh.OrgID

		type answer struct {
			box  stock.Box
			bulk stock.BulkResult
			err  error
		}
		var calls []func() answer
		calls = append(calls,
			func() answer { // 0: a move
				bx, err := w.s.UpdateBox(ctx, w.dist, a.Code, stock.Change{Version: 2, LocationID: &w.shelf2.ID})
				return answer{box: bx, err: err}
			},
			func() answer { // 1: stale: refused
				bx, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: 7, Items: ptr(int64(9))})
				return answer{box: bx, err: err}
			},
			func() answer { // 2: changes e and appends its event, then fails
				err := d.InTxGroup(ctx, org, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, "UPDATE boxes SET items = 99, version = version + 1 WHERE id = ?", e.ID); err != nil {
						return err
					}
					if _, err := ledger.Append(ctx, tx, w.wh, "box", e.ID, stock.BoxUpdated{BoxChange: stock.BoxChange{Code: e.Code,
						Items: &ledger.Delta[int64]{From: 4, To: 99}}}); err != nil {
						return err
					}
					return errors.New("refused after writing")
				})
				return answer{err: err}
			},
			func() answer { // 3: an edit of the box the failed writer touched
				bx, err := w.s.UpdateBox(ctx, w.wh, e.Code, stock.Change{Version: 1, Items: ptr(int64(5)), Comment: ptr("dry"),
					ExpiresOn: ptr("2030-01-31"), Tags: &[]string{"Winter", "adult"}})
				return answer{box: bx, err: err}
			},
			func() answer { // 4: a bulk move with a code that is no box
				r, err := w.s.MoveBoxes(ctx, w.dist, []string{c.Code, "not a code"}, w.shelf2.ID)
				return answer{bulk: r, err: err}
			},
			func() answer { // 5: a state change not allowed: refused
				bx, err := w.s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: 1, State: ptr(stock.State("received"))})
				return answer{box: bx, err: err}
			},
		)
		got := inOneTransaction(t, d, org, calls)

		// Each is answered for itself.
		if got[0].err != nil || got[0].box.LocationID != w.shelf2.ID || got[0].box.Version != 3 {
			t.Errorf("move: %+v %v", got[0].box, got[0].err)
		}
		wantCode(t, got[1].err, apperr.Conflict)
		if got[2].err == nil || got[2].err.Error() != "refused after writing" {
			t.Errorf("failing writer: %v", got[2].err)
		}
		if got[3].err != nil || got[3].box.Items != 5 || got[3].box.Version != 2 {
			t.Errorf("edit after the failed writer: %+v %v", got[3].box, got[3].err)
		}
		if got[4].err != nil || got[4].bulk.Changed() != 1 || got[4].bulk.Failed() != 1 {
			t.Errorf("bulk move: %+v %v", got[4].bulk, got[4].err)
		}
		wantCode(t, got[5].err, apperr.Invalid)

		// The answers show the boxes as they are.
		for _, x := range []stock.Box{got[0].box, got[3].box, got[4].bulk.Outcomes[0].Box} {
			now, err := w.s.Box(ctx, w.wh, x.Code)
			w.must(err)
			if !reflect.DeepEqual(x, now) {
				t.Errorf("answered\n%+v\nthe box is\n%+v", x, now)
			}
		}
		for _, x := range []stock.Box{b, e} {
			now, err := w.s.Box(ctx, w.wh, x.Code)
			w.must(err)
			if x.Code == b.Code && (now.Version != 1 || now.Items != 2 || now.State != stock.InStock) {
				t.Errorf("refused changes left a trace on %s: %+v", x.Code, now)
			}
			if x.Code == e.Code && now.Items != 5 {
				t.Errorf("box %s: %d items", x.Code, now.Items)
			}
		}

		// The ledger holds the three saved changes, in the order they
		// came, numbered on from the head without a gap.
		rows, err := d.Query(ctx, "SELECT seq, entity_id, kind FROM ledger WHERE org_id = ? AND seq > ? ORDER BY seq", org, head)
		w.must(err)
		defer rows.Close()
		var seqs []int64
		var seen []string
		for rows.Next() {
			var seq, id int64
			var kind string
			w.must(rows.Scan(&seq, &id, &kind))
			seqs = append(seqs, seq)
			seen = append(seen, fmt.Sprintf("%d %s", id, kind))
		}
		want := []string{fmt.Sprintf("%d box.moved", a.ID), fmt.Sprintf("%d box.updated", e.ID), fmt.Sprintf("%d box.moved", c.ID)}
		if !slices.Equal(seen, want) || !slices.Equal(seqs, []int64{head + 1, head + 2, head + 3}) {
			t.Errorf("ledger after the head: %v at %v, want %v at %d…", seen, seqs, want, head+1)
		}
		// newWorld's cleanup verifies the chain, replays it against the
		// rows and checks the totals.
	})
}

// TestMovesFromTwoServers: two servers on one PostgreSQL database (each its
// own handle, so their changes of one box run in separate transactions)
// move the same box at once, again and again. The one that waits for the
// other's lock must find the box where the other put it and be told it
// changed, never that there is no such box.
func TestMovesFromTwoServers(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	d1 := dbtest.Open(t, dsn)
	if _, err := d1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, d1)
	other := stock.New(dbtest.Open(t, dsn))
	b := w.jackets("M", 1)
	version := b.Version
	for round := range 15 {
		to := []int64{w.shelf2.ID, w.shelf1.ID}[round%2]
		start := make(chan struct{})
		errs := make(chan error, 2)
		for _, s := range []*stock.Service{w.s, other} {
			go func() {
				<-start
				_, err := s.UpdateBox(ctx, w.wh, b.Code, stock.Change{Version: version, LocationID: &to})
				errs <- err
			}()
		}
		close(start)
		ok := 0
		for range 2 {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case !apperr.Is(err, apperr.Conflict):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d moves saved, want 1", round, ok)
		}
		version++
	}
}

// TestSharedMovesRoundTrips counts what box moves sharing a transaction on
// PostgreSQL send (through a counting proxy): statements, and round trips,
// the waits for the server that bound how many moves one organisation makes
// a second. The moves' boxes are read and locked together, in one statement,
// before the first move runs (db.Prefetcher), and each move's savepoint,
// update, ledger event and totals are queued (db.Tx.ExecLater) and sent
// together before the commit, so a shared transaction of n moves takes a few
// round trips, not n.
func TestSharedMovesRoundTrips(t *testing.T) {
	c := &queryCounter{}
	d := dbtest.Open(t, pgCountingProxy(t, dbtest.PostgresDSN(t), c))
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, d)
	const n = 16
	var boxes []stock.Box
	for i := range n {
		boxes = append(boxes, w.jackets("M", int64(i+1)))
	}
	org := w.wh.OrgID
	var work time.Duration
	// Twice: the first round prepares the statements on the connection
	// (pgx keeps them per connection), the second is counted.
	for round, to := range []int64{w.shelf2.ID, w.shelf1.ID} {
		began, stop, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			held <- d.InTxGroup(ctx, org, func(*db.Tx) error { close(began); <-stop; return nil })
		}()
		<-began
		t0 := time.Now()
		errs := make(chan error, n)
		for i, b := range boxes {
			go func() {
				_, err := w.s.UpdateBox(ctx, w.dist, b.Code, stock.Change{Version: b.Version + int64(round), LocationID: &to})
				errs <- err
			}()
			waitFor(t, func() bool { return d.GroupWaiting(org) == i+1 })
		}
		c.reset()
		before := d.GroupStats()
		held0 := time.Since(t0) // what the held transaction's running time will count of its wait
		close(stop)
		w.must(<-held)
		for range n {
			w.must(<-errs)
		}
		work = d.GroupStats().Work - before.Work - held0
	}
	stmts, trips := float64(c.count())/n, float64(c.roundTrips())/n
	t.Logf("%d moves in one shared transaction: %.2f statements and %.2f round trips a move (the held transaction's commit included); "+
		"the shared transaction ran its moves in %.2f ms a move (through the counting proxy)", n, stmts, trips, float64(work)/n/1e6)
	if trips > 0.6 {
		t.Errorf("%.2f round trips a move, want well under 1", trips)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSharedMovesOfOneBox: changes sharing a transaction that touch the
// same box, with other writers and other bases among them, each see the box
// as the one before left it (on PostgreSQL the changes read their boxes
// together before the first runs, db.Prefetcher): a second move of a box
// with the version the first left is saved, a move after a bulk move of the
// same box sees where the bulk move put it, a move with the version before
// is refused as stale, a box of another base or an archived shelf is refused
// as always. The ledger and the totals verify afterwards (newWorld).
func TestSharedMovesOfOneBox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		x, y, z := w.jackets("M", 1), w.jackets("L", 2), w.jackets("S", 3)
		other, err := w.s.CreateBox(ctx, w.base2, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.base2Shelf.ID})
		w.must(err)
		org := w.wh.OrgID
		type answer struct {
			box stock.Box
			err error
		}
		move := func(a access.Actor, code string, version int64, to int64) func() answer {
			return func() answer {
				b, err := w.s.UpdateBox(ctx, a, code, stock.Change{Version: version, LocationID: &to})
				return answer{b, err}
			}
		}
		calls := []func() answer{
			0: move(w.dist, x.Code, 1, w.shelf2.ID), // x: 1 → 2
			1: move(w.dist, y.Code, 1, w.shelf2.ID), // y: 1 → 2
			2: move(w.dist, x.Code, 2, w.shelf1.ID), // x again, the version 0 left: 2 → 3
			3: move(w.dist, y.Code, 1, w.shelf1.ID), // y with the version before 1: stale
			4: func() answer { // a bulk move of x and z (no prefetch): 3 → 4, 1 → 2
				r, err := w.s.MoveBoxes(ctx, w.dist, []string{x.Code, z.Code}, w.shelf2.ID)
				if err == nil && r.Failed() > 0 {
					err = fmt.Errorf("bulk move failed: %+v", r)
				}
				return answer{err: err}
			},
			5:  move(w.dist, x.Code, 4, w.shelf1.ID),      // x after the bulk move: 4 → 5
			6:  move(w.dist, y.Code, 2, w.archived.ID),    // an archived shelf: refused
			7:  move(w.dist, other.Code, 1, w.shelf2.ID),  // a box of base 2 from base 1: not found
			8:  move(w.base2, other.Code, 1, w.shelf2.ID), // base 1's shelf from base 2: unknown shelf
			9:  move(w.dist, y.Code, 2, w.shelf1.ID),      // y: 2 → 3
			10: move(w.dist, z.Code, 2, w.shelf1.ID),      // z, read before the bulk move moved it: 2 → 3
		}
		got := inOneTransaction(t, d, org, calls)
		for i, want := range []struct {
			code    apperr.Code // "" saved
			loc     int64
			version int64
		}{{"", w.shelf2.ID, 2}, {"", w.shelf2.ID, 2}, {"", w.shelf1.ID, 3}, {apperr.Conflict, 0, 0}, {"", 0, 0},
			{"", w.shelf1.ID, 5}, {apperr.Invalid, 0, 0}, {apperr.NotFound, 0, 0}, {apperr.Invalid, 0, 0}, {"", w.shelf1.ID, 3},
			{"", w.shelf1.ID, 3}} {
			if want.code != "" {
				if !apperr.Is(got[i].err, want.code) {
					t.Errorf("call %d: %v, want %s", i, got[i].err, want.code)
				}
				continue
			}
			if got[i].err != nil {
				t.Errorf("call %d: %v", i, got[i].err)
				continue
			}
			if want.loc != 0 && (got[i].box.LocationID != want.loc || got[i].box.Version != want.version) {
				t.Errorf("call %d: at %d version %d, want at %d version %d", i, got[i].box.LocationID, got[i].box.Version, want.loc, want.version)
			}
		}
		for _, b := range []stock.Box{got[5].box, got[9].box, got[10].box} {
			now, err := w.s.Box(ctx, w.wh, b.Code)
			w.must(err)
			if !reflect.DeepEqual(b, now) {
				t.Errorf("answered\n%+v\nthe box is\n%+v", b, now)
			}
		}
	})
}

// inOneTransaction holds org's shared transaction open, starts the calls
// one after another so that each queues for the next (in order), lets the
// held one commit, and returns the calls' answers. It checks that the
// queued calls shared one transaction.
func inOneTransaction[A any](t *testing.T, d *db.DB, org int64, calls []func() A) []A {
	t.Helper()
	began, stop, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- d.InTxGroup(ctx, org, func(*db.Tx) error { close(began); <-stop; return nil })
	}()
	<-began
	answers := make([]chan A, len(calls))
	for i, call := range calls {
		answers[i] = make(chan A, 1)
		go func() { answers[i] <- call() }()
		waitFor(t, func() bool { return d.GroupWaiting(org) == i+1 })
	}
	before := d.GroupStats()
	close(stop)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	got := make([]A, len(calls))
	for i := range calls {
		got[i] = <-answers[i]
	}
	if st := d.GroupStats(); st.Transactions-before.Transactions != 2 {
		t.Errorf("%d transactions, want the held one and one shared by the queued calls", st.Transactions-before.Transactions)
	}
	return got
}
