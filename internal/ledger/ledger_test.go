package ledger_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
)

var t0 = time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)

func actor(org int64) access.Actor {
	return access.Actor{UserID: 100 + org, OrgID: org, BaseID: 10 * org, Role: access.Warehouse}
}

// The event types of these tests.
type (
	moved struct {
		N  int   `json:"n"`
		To int64 `json:"to"`
	}
	created struct {
		BaseID int64  `json:"base_id"`
		Role   string `json:"role"`
	}
	ended struct{}
	step  struct {
		I int `json:"i"`
	}
	other        struct{}
	unregistered struct{}
)

func (moved) EventKind() string        { return "test.moved" }
func (created) EventKind() string      { return "test.created" }
func (ended) EventKind() string        { return "test.ended" }
func (step) EventKind() string         { return "test.step" }
func (other) EventKind() string        { return "test.other" }
func (unregistered) EventKind() string { return "test.unregistered" }
func (moved) EventVersion() int        { return 1 }
func (created) EventVersion() int      { return 1 }
func (ended) EventVersion() int        { return 1 }
func (step) EventVersion() int         { return 1 }
func (other) EventVersion() int        { return 1 }
func (unregistered) EventVersion() int { return 1 }

func init() {
	ledger.Register[moved]()
	ledger.Register[created]()
	ledger.Register[ended]()
	ledger.Register[step]()
	ledger.Register[other]()
}

func appendOne(t testing.TB, d *db.DB, a access.Actor, entity string, id int64, p ledger.Payload) ledger.Event {
	t.Helper()
	var e ledger.Event
	err := d.InTx(context.Background(), func(tx *db.Tx) (err error) {
		e, err = ledger.Append(context.Background(), tx, a, entity, id, p)
		return err
	})
	if err != nil {
		t.Fatalf("append %s: %v", p.EventKind(), err)
	}
	return e
}

// seed writes perOrg events into organisations 1 and 2, interleaved, one
// clock second apart.
func seed(t testing.TB, d *db.DB, perOrg int) *clock.Fixed {
	t.Helper()
	clk := clock.NewFixed(t0)
	d.Clock = clk
	for i := 1; i <= perOrg; i++ {
		for org := int64(1); org <= 2; org++ {
			appendOne(t, d, actor(org), "box", int64(i%3+1), moved{N: i, To: org})
			clk.Advance(time.Second)
		}
	}
	return clk
}

func verify(t testing.TB, d *db.DB) ledger.Report {
	t.Helper()
	rep, err := ledger.Verify(context.Background(), d)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func exec(t testing.TB, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAppendAndVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		rep := verify(t, d)
		if rep.Broken != nil || rep.Chains != 0 || rep.Entries != 0 {
			t.Fatalf("empty ledger: %+v", rep)
		}
		seed(t, d, 12)
		rep = verify(t, d)
		if rep.Broken != nil {
			t.Fatalf("intact ledger reported broken: %v", rep.Broken)
		}
		if rep.Chains != 2 || rep.Entries != 24 {
			t.Fatalf("report %+v; want 2 chains, 24 entries", rep)
		}
		// Each organisation has its own gapless sequence and head.
		for org := int64(1); org <= 2; org++ {
			var n, min, max, head int64
			if err := d.QueryRow(ctx, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM ledger WHERE org_id = ?", org).Scan(&n, &min, &max); err != nil {
				t.Fatal(err)
			}
			if err := d.QueryRow(ctx, "SELECT seq FROM ledger_heads WHERE org_id = ?", org).Scan(&head); err != nil {
				t.Fatal(err)
			}
			if n != 12 || min != 1 || max != 12 || head != 12 {
				t.Fatalf("org %d: %d entries, seq %d..%d, head %d; want 12, 1..12, 12", org, n, min, max, head)
			}
		}
	})
}

func TestAppendFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		at := time.Date(2026, 2, 3, 4, 5, 6, 789000, time.UTC)
		d.Clock = clock.NewFixed(at)
		a := access.Actor{UserID: 5, OrgID: 3, BaseID: 4, Role: access.Admin}
		first := appendOne(t, d, a, "user", 77, created{Role: "viewer", BaseID: 4})
		second := appendOne(t, d, a, "user", 77, ended{})
		if first.Seq != 1 || second.Seq != 2 {
			t.Fatalf("seqs %d, %d; want 1, 2", first.Seq, second.Seq)
		}
		if !bytes.Equal(first.PrevHash, make([]byte, 32)) {
			t.Fatalf("first entry's previous hash %x; want 32 zero bytes", first.PrevHash)
		}
		if !bytes.Equal(second.PrevHash, first.Hash) {
			t.Fatal("second entry is not chained to the first")
		}
		if !bytes.Equal(first.Hash, ledger.Hash(first)) || len(first.Hash) != 32 {
			t.Fatalf("returned hash %x is not the event's hash", first.Hash)
		}
		hs, err := ledger.History(context.Background(), d, 3, "user", 77, 0)
		if err != nil || len(hs) != 2 {
			t.Fatalf("history: %d events, %v", len(hs), err)
		}
		e := hs[0]
		if e.OrgID != 3 || e.Seq != 1 || !e.At.Equal(at) || e.BaseID != 4 || e.ActorID != 5 ||
			e.Kind != "test.created" || e.Version != 1 || e.Entity != "user" || e.EntityID != 77 {
			t.Fatalf("stored event %+v", e)
		}
		var p map[string]any
		if err := json.Unmarshal(e.Payload, &p); err != nil || p["role"] != "viewer" || p["base_id"] != 4.0 {
			t.Fatalf("payload %s (%v)", e.Payload, err)
		}
		if string(hs[1].Payload) != "{}" {
			t.Fatalf("empty payload stored as %q; want {}", hs[1].Payload)
		}
		if p, err := e.Decode(); err != nil || p != (created{Role: "viewer", BaseID: 4}) {
			t.Fatalf("decoded %#v, %v", p, err)
		}
	})
}

func TestAppendNeedsOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		err := d.InTx(context.Background(), func(tx *db.Tx) error {
			_, err := ledger.Append(context.Background(), tx, access.Actor{UserID: 1}, "x", 1, other{})
			return err
		})
		if err == nil {
			t.Fatal("an event without an organisation was appended")
		}
		if rep := verify(t, d); rep.Entries != 0 {
			t.Fatalf("%d entries written", rep.Entries)
		}
	})
}

// Only registered event types are written, and never none.
func TestAppendRefusesUnregisteredPayload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, p := range []ledger.Payload{unregistered{}, nil, &moved{}} {
			err := d.InTx(context.Background(), func(tx *db.Tx) error {
				_, err := ledger.Append(context.Background(), tx, actor(1), "x", 1, p)
				return err
			})
			if err == nil {
				t.Fatalf("payload %#v was appended", p)
			}
		}
		if rep := verify(t, d); rep.Entries != 0 || rep.Chains != 0 {
			t.Fatalf("report %+v after a failed append", rep)
		}
	})
}

// An event belongs to its transaction: rolled back with it, and the chain
// goes on from the last committed entry.
func TestAppendRollsBackWithTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		appendOne(t, d, actor(1), "a", 1, step{1})
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := ledger.Append(ctx, tx, actor(1), "a", 1, step{2}); err != nil {
				return err
			}
			if _, err := ledger.Append(ctx, tx, actor(7), "a", 1, other{}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		e := appendOne(t, d, actor(1), "a", 1, step{3})
		if e.Seq != 2 {
			t.Fatalf("seq after a rollback = %d; want 2", e.Seq)
		}
		rep := verify(t, d)
		if rep.Broken != nil || rep.Chains != 1 || rep.Entries != 2 {
			t.Fatalf("report %+v", rep)
		}
	})
}

// TestVerifyCatchesTampering changes the stored ledger the way someone with
// database access might, each on a fresh database, and checks that Verify
// names the first entry that no longer holds.
func TestVerifyCatchesTampering(t *testing.T) {
	const n = 10 // entries per organisation
	hashOf := func(t *testing.T, d *db.DB, org, seq int64) []byte {
		var h []byte
		if err := d.QueryRow(context.Background(), "SELECT hash FROM ledger WHERE org_id = ? AND seq = ?", org, seq).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	cases := []struct {
		name    string
		tamper  func(t *testing.T, d *db.DB)
		org     int64
		seq     int64
		because string // a fragment of the reason
	}{
		{"change a payload", func(t *testing.T, d *db.DB) {
			exec(t, d, `UPDATE ledger SET payload = '{"n":4,"to":1}' WHERE org_id = 2 AND seq = 4`)
		}, 2, 4, "contents"},
		{"change a time", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET at = at - 3600000000 WHERE org_id = 2 AND seq = 4")
		}, 2, 4, "contents"},
		{"change the actor", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET actor_id = 999 WHERE org_id = 2 AND seq = 6")
		}, 2, 6, "contents"},
		{"change the version", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET version = 2 WHERE org_id = 2 AND seq = 6")
		}, 2, 6, "contents"},
		{"change the kind", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET kind = 'box.lost' WHERE org_id = 2 AND seq = 6")
		}, 2, 6, "contents"},
		{"change the entity", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET entity_id = 555 WHERE org_id = 2 AND seq = 1")
		}, 2, 1, "contents"},
		{"change a hash", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET hash = ? WHERE org_id = 2 AND seq = 7", bytes.Repeat([]byte{7}, 32))
		}, 2, 7, "contents"},
		{"change a previous hash", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET prev_hash = ? WHERE org_id = 2 AND seq = 7", bytes.Repeat([]byte{7}, 32))
		}, 2, 7, "previous hash"},
		{"delete a middle row", func(t *testing.T, d *db.DB) {
			exec(t, d, "DELETE FROM ledger WHERE org_id = 2 AND seq = 5")
		}, 2, 5, "missing"},
		{"delete the first row", func(t *testing.T, d *db.DB) {
			exec(t, d, "DELETE FROM ledger WHERE org_id = 2 AND seq = 1")
		}, 2, 1, "missing"},
		{"delete the last row", func(t *testing.T, d *db.DB) {
			exec(t, d, "DELETE FROM ledger WHERE org_id = 2 AND seq = ?", n)
		}, 2, n, "head"},
		{"delete the last three rows", func(t *testing.T, d *db.DB) {
			exec(t, d, "DELETE FROM ledger WHERE org_id = 2 AND seq > ?", n-3)
		}, 2, n - 2, "head"},
		{"delete every row of a chain", func(t *testing.T, d *db.DB) {
			exec(t, d, "DELETE FROM ledger WHERE org_id = 2")
		}, 2, 1, "head"},
		{"delete a chain head", func(t *testing.T, d *db.DB) {
			exec(t, d, "DELETE FROM ledger_heads WHERE org_id = 2")
		}, 2, 1, "head"},
		{"swap two rows", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET seq = -1 WHERE org_id = 2 AND seq = 3")
			exec(t, d, "UPDATE ledger SET seq = 3 WHERE org_id = 2 AND seq = 6")
			exec(t, d, "UPDATE ledger SET seq = 6 WHERE org_id = 2 AND seq = -1")
		}, 2, 3, "previous hash"},
		{"swap two neighbours", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET seq = -1 WHERE org_id = 2 AND seq = 8")
			exec(t, d, "UPDATE ledger SET seq = 8 WHERE org_id = 2 AND seq = 9")
			exec(t, d, "UPDATE ledger SET seq = 9 WHERE org_id = 2 AND seq = -1")
		}, 2, 8, "previous hash"},
		{"insert a forged row at the end", func(t *testing.T, d *db.DB) {
			// A well-formed entry, correctly chained and hashed: only the
			// head can tell it was never appended.
			e := ledger.Event{OrgID: 2, Seq: n + 1, At: t0.Add(time.Hour), BaseID: 20, ActorID: 102,
				Kind: "box.moved", Entity: "box", EntityID: 1, Payload: json.RawMessage(`{}`), PrevHash: hashOf(t, d, 2, n)}
			e.Hash = ledger.Hash(e)
			exec(t, d, `INSERT INTO ledger (org_id, seq, at, base_id, actor_id, kind, entity, entity_id, payload, prev_hash, hash)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.OrgID, e.Seq, db.Micros(e.At), e.BaseID, e.ActorID,
				e.Kind, e.Entity, e.EntityID, string(e.Payload), e.PrevHash, e.Hash)
		}, 2, n + 1, "head"},
		{"rewrite an entry with its hash", func(t *testing.T, d *db.DB) {
			// The rewritten entry is self-consistent; the next one's link breaks.
			var e ledger.Event
			e.OrgID, e.Seq = 2, 4
			var at int64
			var payload string
			if err := d.QueryRow(context.Background(), `SELECT at, base_id, actor_id, kind, entity, entity_id, payload, prev_hash
				FROM ledger WHERE org_id = 2 AND seq = 4`).Scan(&at, &e.BaseID, &e.ActorID, &e.Kind, &e.Entity, &e.EntityID, &payload, &e.PrevHash); err != nil {
				t.Fatal(err)
			}
			e.At, e.Payload = db.FromMicros(at), json.RawMessage(`{"n":4,"to":99}`)
			exec(t, d, "UPDATE ledger SET payload = ?, hash = ? WHERE org_id = 2 AND seq = 4", string(e.Payload), ledger.Hash(e))
		}, 2, 5, "previous hash"},
		{"rewrite the head", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger_heads SET hash = ? WHERE org_id = 2", bytes.Repeat([]byte{1}, 32))
		}, 2, n, "head"},
		{"first of two breaks", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET payload = '{}' WHERE org_id = 2 AND seq = 8")
			exec(t, d, "UPDATE ledger SET payload = '{}' WHERE org_id = 2 AND seq = 3")
		}, 2, 3, "contents"},
		{"first broken organisation", func(t *testing.T, d *db.DB) {
			exec(t, d, "UPDATE ledger SET payload = '{}' WHERE org_id = 2 AND seq = 2")
			exec(t, d, "UPDATE ledger SET payload = '{}' WHERE org_id = 1 AND seq = 9")
		}, 1, 9, "contents"},
		{"entries of an unknown organisation", func(t *testing.T, d *db.DB) {
			exec(t, d, `INSERT INTO ledger (org_id, seq, at, base_id, actor_id, kind, entity, entity_id, payload, prev_hash, hash)
				VALUES (9, 1, 0, 0, 0, 'x', 'x', 0, '{}', ?, ?)`, make([]byte, 32), make([]byte, 32))
		}, 9, 1, "head"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				seed(t, d, n)
				if rep := verify(t, d); rep.Broken != nil {
					t.Fatalf("before tampering: %v", rep.Broken)
				}
				tc.tamper(t, d)
				rep := verify(t, d)
				if rep.Broken == nil {
					t.Fatalf("tampering not detected: %+v", rep)
				}
				if rep.Broken.OrgID != tc.org || rep.Broken.Seq != tc.seq {
					t.Fatalf("Verify blamed %v; want organisation %d, entry %d", rep.Broken, tc.org, tc.seq)
				}
				if !strings.Contains(rep.Broken.Reason, tc.because) {
					t.Fatalf("reason %q; want it to mention %q", rep.Broken.Reason, tc.because)
				}
				if s := rep.Broken.String(); !strings.Contains(s, fmt.Sprintf("organisation %d, entry %d", tc.org, tc.seq)) {
					t.Fatalf("String() = %q", s)
				}
			})
		})
	}
}

func TestHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewFixed(t0)
		d.Clock = clk
		// The same entity id in two organisations, and other entities between.
		var want []string
		for i := 0; i < 5; i++ {
			appendOne(t, d, actor(1), "box", 42, step{i})
			want = append(want, fmt.Sprint(i))
			appendOne(t, d, actor(2), "box", 42, other{})
			appendOne(t, d, actor(1), "box", 43, other{})
			appendOne(t, d, actor(1), "site", 42, other{})
			clk.Advance(time.Minute)
		}
		hs, err := ledger.History(ctx, d, 1, "box", 42, 0)
		if err != nil {
			t.Fatal(err)
		}
		stepOf := func(e ledger.Event) string {
			p, err := e.Decode()
			if err != nil {
				return err.Error()
			}
			if s, ok := p.(step); ok {
				return fmt.Sprint(s.I)
			}
			return e.Kind
		}
		var got []string
		for i, e := range hs {
			got = append(got, stepOf(e))
			if e.OrgID != 1 || e.Entity != "box" || e.EntityID != 42 {
				t.Fatalf("event %d: %+v", i, e)
			}
			if !e.At.Equal(t0.Add(time.Duration(i) * time.Minute)) {
				t.Fatalf("event %d at %v", i, e.At)
			}
			if i > 0 && e.Seq <= hs[i-1].Seq {
				t.Fatalf("history out of order: %d after %d", e.Seq, hs[i-1].Seq)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("history %v; want %v", got, want)
		}
		limited, err := ledger.History(ctx, d, 1, "box", 42, 2)
		if err != nil || len(limited) != 2 || stepOf(limited[0]) != want[0] || stepOf(limited[1]) != want[1] {
			t.Fatalf("history limited to 2: %v, %v", limited, err)
		}
		theirs, err := ledger.History(ctx, d, 2, "box", 42, 0)
		if err != nil || len(theirs) != 5 || theirs[0].Kind != "test.other" {
			t.Fatalf("organisation 2's history: %d events, %v", len(theirs), err)
		}
		none, err := ledger.History(ctx, d, 3, "box", 42, 0)
		if err != nil || len(none) != 0 {
			t.Fatalf("an organisation without events: %v, %v", none, err)
		}
		// History also reads inside a transaction.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			hs, err := ledger.History(ctx, tx, 1, "box", 42, 0)
			if err == nil && len(hs) != 5 {
				err = fmt.Errorf("%d events in a transaction", len(hs))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentAppends: many writers appending to one organisation's chain
// at once, starting with no chain at all, leave a gapless chain that verifies.
// On PostgreSQL this depends on the head row lock.
func TestConcurrentAppends(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const writers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := access.Actor{UserID: int64(w + 1), OrgID: 5, BaseID: 1, Role: access.Warehouse}
				for i := 0; i < each; i++ {
					errs <- d.InTx(ctx, func(tx *db.Tx) error {
						_, err := ledger.Append(ctx, tx, a, "box", int64(i), moved{N: i, To: int64(w)})
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		rep := verify(t, d)
		if rep.Broken != nil || rep.Chains != 1 || rep.Entries != writers*each {
			t.Fatalf("report %+v; want one intact chain of %d", rep, writers*each)
		}
		var n, max int64
		if err := d.QueryRow(ctx, "SELECT COUNT(DISTINCT seq), MAX(seq) FROM ledger WHERE org_id = 5").Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		if n != writers*each || max != writers*each {
			t.Fatalf("%d distinct seqs up to %d; want %d", n, max, writers*each)
		}
	})
}

// TestVerifyWhileAppending: verifying a live ledger never reports a break
// that is only an append landing between two reads.
func TestVerifyWhileAppending(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		appendOne(t, d, actor(1), "a", 1, step{0})
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := d.InTx(ctx, func(tx *db.Tx) error {
					_, err := ledger.Append(ctx, tx, actor(int64(i%2+1)), "a", 1, step{i})
					return err
				})
				if err != nil {
					done <- err
					return
				}
			}
		}()
		deadline := time.Now().Add(2 * time.Second)
		runs := 0
		for time.Now().Before(deadline) || runs < 20 {
			rep, err := ledger.Verify(ctx, d)
			if err != nil {
				close(stop)
				t.Fatal(err)
			}
			if rep.Broken != nil {
				close(stop)
				t.Fatalf("verify run %d on a live, intact ledger: %v", runs, rep.Broken)
			}
			runs++
		}
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, d); rep.Broken != nil || rep.Entries < 2 {
			t.Fatalf("after the appends: %+v", rep)
		}
	})
}

// TestHashGolden pins the documented encoding. The expected values were
// computed once with an independent Python script:
//
//	h = sha256(b"abri-ledger-v1")
//	field(b): h.update(struct.pack(">Q", len(b))); h.update(b)
//	num(v):   field(struct.pack(">q", v))
//	num(org); num(seq); num(at_micros); num(base); num(actor)
//	field(kind); field(entity); num(entity_id); field(payload); field(prev_hash)
func TestHashGolden(t *testing.T) {
	prev := make([]byte, 32)
	for i := range prev {
		prev[i] = byte(i)
	}
	e := ledger.Event{
		OrgID: 7, Seq: 3, At: time.Date(2026, 11, 26, 6, 30, 0, 123456000, time.UTC),
		BaseID: 12, ActorID: 42, Kind: "box.moved", Entity: "box", EntityID: 9001,
		Payload: json.RawMessage(`{"from":1,"to":2}`), PrevHash: prev,
	}
	const want = "e0f4f020a51e42e9b2f72bc7a1700b74e257224934ee424a7f84c2ee6b3dada0"
	if got := hex.EncodeToString(ledger.Hash(e)); got != want {
		t.Fatalf("Hash = %s; want %s", got, want)
	}
	if got := ledger.HashHex(ledger.Hash(e)); got != want {
		t.Fatalf("HashHex = %s; want %s", got, want)
	}
	// Version 1 (and 0, as rows written before the version column read)
	// hash as they always did; version 2 on, the version is hashed after
	// the kind, under the label "abri-ledger-v2" (same script, with
	// num(version) after field(kind)).
	e.Version = 1
	if got := hex.EncodeToString(ledger.Hash(e)); got != want {
		t.Fatalf("Hash of version 1 = %s; want %s", got, want)
	}
	e.Version = 2
	if got := hex.EncodeToString(ledger.Hash(e)); got != "73700b38133fea05bef0bd47f0e845cde83cb96f96ad08cdfade13a0f323781c" {
		t.Fatalf("Hash of version 2 = %s", got)
	}
	e.Version = 0
	// The stored hash field does not feed the hash.
	e.Hash = []byte("ignored")
	if got := hex.EncodeToString(ledger.Hash(e)); got != want {
		t.Fatal("Hash depends on the event's own Hash field")
	}
	// A first entry: zero time, genesis previous hash.
	first := ledger.Event{OrgID: 1, Seq: 1, Kind: "organisation.created", Entity: "organisation", EntityID: 1,
		Payload: json.RawMessage(`{}`), PrevHash: make([]byte, 32)}
	const wantFirst = "8d56d5cd3b31f26ee4724ccb7ce017529954ea9f35882d580910c72019b8ef4b"
	if got := hex.EncodeToString(ledger.Hash(first)); got != wantFirst {
		t.Fatalf("Hash(first) = %s; want %s", got, wantFirst)
	}
}

// Every field feeds the hash, and moving bytes between neighbouring fields
// changes it (the length prefixes).
func TestHashCoversEveryField(t *testing.T) {
	base := ledger.Event{OrgID: 1, Seq: 2, At: t0, BaseID: 3, ActorID: 4, Kind: "ab", Entity: "c",
		EntityID: 5, Payload: json.RawMessage(`{}`), PrevHash: make([]byte, 32)}
	h0 := ledger.Hash(base)
	changes := map[string]func(e *ledger.Event){
		"org":        func(e *ledger.Event) { e.OrgID++ },
		"seq":        func(e *ledger.Event) { e.Seq++ },
		"time":       func(e *ledger.Event) { e.At = e.At.Add(time.Microsecond) },
		"base":       func(e *ledger.Event) { e.BaseID++ },
		"actor":      func(e *ledger.Event) { e.ActorID++ },
		"kind":       func(e *ledger.Event) { e.Kind = "ax" },
		"version":    func(e *ledger.Event) { e.Version = 2 },
		"entity":     func(e *ledger.Event) { e.Entity = "x" },
		"entity id":  func(e *ledger.Event) { e.EntityID++ },
		"payload":    func(e *ledger.Event) { e.Payload = json.RawMessage(`{ }`) },
		"prev hash":  func(e *ledger.Event) { e.PrevHash = append([]byte{1}, e.PrevHash[1:]...) },
		"boundary":   func(e *ledger.Event) { e.Kind, e.Entity = "a", "bc" },
		"base/actor": func(e *ledger.Event) { e.BaseID, e.ActorID = 4, 3 },
	}
	for name, change := range changes {
		e := base
		change(&e)
		if bytes.Equal(ledger.Hash(e), h0) {
			t.Errorf("changing the %s leaves the hash unchanged", name)
		}
	}
	v2, v3 := base, base
	v2.Version, v3.Version = 2, 3
	if bytes.Equal(ledger.Hash(v2), ledger.Hash(v3)) {
		t.Error("versions 2 and 3 hash alike")
	}
}
