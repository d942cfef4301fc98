package ledger_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
)

func checkpoints(t *testing.T, d *db.DB) (n int, newest map[int64]int64) {
	t.Helper()
	rows, err := d.Query(context.Background(), "SELECT org_id, seq FROM ledger_checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	newest = map[int64]int64{}
	for rows.Next() {
		var org, seq int64
		if err := rows.Scan(&org, &seq); err != nil {
			t.Fatal(err)
		}
		n++
		newest[org] = max(newest[org], seq)
	}
	return n, newest
}

// The server's signer signs every chain head at start and at each tick,
// only the heads that moved since, and stops when its context ends.
func TestSignerSignsHeadsThatMoved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := seed(t, d, 3) // organisations 1 and 2, three entries each
		k, err := ledger.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		ticks := make(chan time.Time)
		s := &ledger.Signer{DB: d, Key: k, Dir: dir, Ticks: ticks}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		// Run signs at start, then waits for a tick: once a tick is taken,
		// the signing before it is over.
		tick := func() { ticks <- clk.Now() }

		tick()
		if n, newest := checkpoints(t, d); n != 2 || newest[1] != 3 || newest[2] != 3 {
			t.Fatalf("at start: %d checkpoints, newest %v; want entry 3 of both chains", n, newest)
		}
		tick()
		tick()
		if n, _ := checkpoints(t, d); n != 2 {
			t.Fatalf("ticks with no new entries signed again: %d checkpoints", n)
		}
		appendOne(t, d, actor(1), "box", 1, moved{N: 4, To: 1})
		clk.Advance(time.Hour)
		tick() // signs organisation 1's new head
		tick()
		n, newest := checkpoints(t, d)
		if n != 3 || newest[1] != 4 || newest[2] != 3 {
			t.Fatalf("after one chain moved: %d checkpoints, newest %v; want 3, entry 4 of chain 1", n, newest)
		}
		c, err := ledger.LatestCheckpoint(context.Background(), d, 1)
		if err != nil || !c.At.Equal(clk.Now()) {
			t.Fatalf("newest checkpoint of chain 1 signed at %v (%v); want the database clock's %v", c.At, err, clk.Now())
		}
		// The newest of each chain is kept outside the database too.
		kept, err := ledger.ReadCheckpoints(filepath.Join(dir, ledger.CheckpointFile))
		if err != nil || len(kept) != 2 || kept[0].Seq != 4 || kept[1].Seq != 3 {
			t.Fatalf("kept checkpoints %+v (%v)", kept, err)
		}
		if st, err := os.Stat(filepath.Join(dir, ledger.CheckpointFile)); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("checkpoint file: %v %v", st, err)
		}

		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the signer did not stop when its context ended")
		}
		rep, err := ledger.VerifyWith(context.Background(), d, ledger.VerifyOptions{Keys: []ledger.PublicKey{k.Public()}})
		if err != nil || !rep.OK() || len(rep.Checkpoints) != 3 {
			t.Fatalf("verify with the signer's key: %+v %v", rep.Checkpoints, err)
		}
	})
}

// Without Ticks, the signer ticks every Every.
func TestSignerInterval(t *testing.T) {
	d := dbtest.SQLite(t)
	seed(t, d, 1)
	k, _ := ledger.NewKey()
	s := &ledger.Signer{DB: d, Key: k, Every: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	appendOne(t, d, actor(1), "box", 1, moved{N: 2, To: 1})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, newest := checkpoints(t, d); newest[1] == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the new head was not signed within 5 s at an interval of 10 ms")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A saved checkpoint catches what a valid-looking chain cannot show: the
// last entries deleted with the head moved back, and the whole chain
// recomputed after a change. A checkpoint whose signature is wrong fails
// on its own.
func TestCheckpointsCatchTruncatedAndRecomputedChains(t *testing.T) {
	ctx := context.Background()
	verifyWith := func(t *testing.T, d *db.DB, k *ledger.Key, saved []ledger.Checkpoint) ledger.Report {
		t.Helper()
		opts := ledger.VerifyOptions{Keys: []ledger.PublicKey{k.Public()}}
		for _, c := range saved {
			opts.Extra = append(opts.Extra, ledger.CheckpointCheck{Checkpoint: c, Source: "saved.json"})
		}
		rep, err := ledger.VerifyWith(ctx, d, opts)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// fails checks the report fails a checkpoint of organisation 2 saying
	// problem; the chain itself must look sound.
	fails := func(t *testing.T, rep ledger.Report, source, problem string) {
		t.Helper()
		if rep.Broken != nil {
			t.Fatalf("the chain itself looks broken (%v): the tampering was not clean", rep.Broken)
		}
		if rep.OK() {
			t.Fatal("verify passed")
		}
		for _, c := range rep.Checkpoints {
			if c.OrgID == 2 && c.Source == source && strings.Contains(c.Problem, problem) {
				return
			}
		}
		t.Fatalf("no checkpoint of organisation 2 from %s fails with %q: %+v", source, problem, rep.Checkpoints)
	}
	// savedNow signs the heads and keeps their checkpoints as an
	// administrator would, outside the database (a JSON round trip).
	savedNow := func(t *testing.T, d *db.DB, k *ledger.Key) []ledger.Checkpoint {
		t.Helper()
		cs, _, err := ledger.SignHeads(ctx, d, k, "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(cs)
		var saved []ledger.Checkpoint
		if err := json.Unmarshal(b, &saved); err != nil {
			t.Fatal(err)
		}
		return saved
	}

	t.Run("truncated", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			seed(t, d, 10)
			k, _ := ledger.NewKey()
			saved := savedNow(t, d, k)
			if rep := verifyWith(t, d, k, saved); !rep.OK() {
				t.Fatalf("before: %+v", rep)
			}
			// The last three entries go, and the head with them, as if
			// they had never been written; so do the stored checkpoints,
			// which whoever did this could delete too.
			var h []byte
			if err := d.QueryRow(ctx, "SELECT hash FROM ledger WHERE org_id = 2 AND seq = 7").Scan(&h); err != nil {
				t.Fatal(err)
			}
			exec(t, d, "DELETE FROM ledger WHERE org_id = 2 AND seq > 7")
			exec(t, d, "UPDATE ledger_heads SET seq = 7, hash = ? WHERE org_id = 2", h)
			exec(t, d, "DELETE FROM ledger_checkpoints")
			if rep := verify(t, d); !rep.OK() {
				t.Fatalf("without a checkpoint the truncation shows: %+v; the test tampered badly", rep)
			}
			fails(t, verifyWith(t, d, k, saved), "saved.json", "no longer has entry 10 (its head is 7)")
		})
	})

	t.Run("recomputed", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			seed(t, d, 10)
			k, _ := ledger.NewKey()
			saved := savedNow(t, d, k)
			// Entry 4's payload is changed, then every hash from there on
			// recomputed and the head moved to the new last hash.
			exec(t, d, `UPDATE ledger SET payload = '{"n":4,"to":99}' WHERE org_id = 2 AND seq = 4`)
			recompute(t, d, 2)
			// The stored checkpoints are left: they fail too.
			rep := verifyWith(t, d, k, saved)
			fails(t, rep, "saved.json", "another hash now")
			fails(t, rep, "database", "another hash now")
			if rep := verify(t, d); rep.Broken != nil {
				t.Fatalf("the recomputed chain does not hold by itself: %v", rep.Broken)
			}
		})
	})

	t.Run("wrong signature", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			seed(t, d, 4)
			k, _ := ledger.NewKey()
			saved := savedNow(t, d, k)
			forged := saved[1]
			forged.Signature = append([]byte(nil), forged.Signature...)
			forged.Signature[0] ^= 1
			fails(t, verifyWith(t, d, k, []ledger.Checkpoint{forged}), "saved.json", "signature does not match")
			// A checkpoint made with a key the server does not have.
			other, _ := ledger.NewKey()
			stranger := other.Sign(2, saved[1].Seq, saved[1].Hash, saved[1].At)
			fails(t, verifyWith(t, d, k, []ledger.Checkpoint{stranger}), "saved.json", "not this server's")
			// The stored checkpoint's signature changed in the database.
			exec(t, d, "UPDATE ledger_checkpoints SET signature = ? WHERE org_id = 2", make([]byte, 64))
			fails(t, verifyWith(t, d, k, nil), "database", "signature does not match")
		})
	})
}

// recompute rewrites every hash of an organisation's chain from its
// entries and moves the head: what someone with write access to the
// database but not the key can do.
func recompute(t *testing.T, d *db.DB, org int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Query(ctx, `SELECT seq, at, base_id, actor_id, kind, version, entity, entity_id, payload FROM ledger WHERE org_id = ? ORDER BY seq`, org)
	if err != nil {
		t.Fatal(err)
	}
	var es []ledger.Event
	for rows.Next() {
		e := ledger.Event{OrgID: org}
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &e.Version, &e.Entity, &e.EntityID, &payload); err != nil {
			t.Fatal(err)
		}
		e.At, e.Payload = db.FromMicros(at), json.RawMessage(payload)
		es = append(es, e)
	}
	rows.Close()
	prev := make([]byte, 32)
	for _, e := range es {
		e.PrevHash = prev
		e.Hash = ledger.Hash(e)
		exec(t, d, "UPDATE ledger SET prev_hash = ?, hash = ? WHERE org_id = ? AND seq = ?", e.PrevHash, e.Hash, org, e.Seq)
		prev = e.Hash
	}
	exec(t, d, "UPDATE ledger_heads SET seq = ?, hash = ? WHERE org_id = ?", es[len(es)-1].Seq, prev, org)
}

// Administrators read their organisation's newest checkpoint; others may
// not; an organisation without one gets NotFound.
func TestLatestFor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		seed(t, d, 2)
		admin := access.Actor{UserID: 1, OrgID: 1, BaseID: 10, Role: access.Admin}
		if _, err := ledger.LatestFor(ctx, d, admin); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("before any checkpoint: %v; want NotFound", err)
		}
		k, _ := ledger.NewKey()
		if _, _, err := ledger.SignHeads(ctx, d, k, ""); err != nil {
			t.Fatal(err)
		}
		c, err := ledger.LatestFor(ctx, d, admin)
		if err != nil || c.OrgID != 1 || c.Seq != 2 || c.CheckSignature(k.Public()) != nil {
			t.Fatalf("latest: %+v %v", c, err)
		}
		coord := admin
		coord.Role = access.Coordinator
		if _, err := ledger.LatestFor(ctx, d, coord); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a coordinator: %v; want Forbidden", err)
		}
	})
}

// Two processes starting at once on a new data directory (serve and a
// command) both get the one signing key: neither reads an empty or
// half-written key file while the other is writing it.
func TestLoadOrCreateKeyRace(t *testing.T) {
	for range 20 {
		dir := t.TempDir()
		keys := make([]*ledger.Key, 8)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], errs[i] = ledger.LoadOrCreateKey(dir)
			}()
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			if keys[i].Public().ID != keys[0].Public().ID {
				t.Fatalf("caller %d got key %s, caller 0 got %s", i, keys[i].Public().ID, keys[0].Public().ID)
			}
		}
		st, err := os.Stat(filepath.Join(dir, ledger.KeyFile))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v, mode %v", err, st.Mode())
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".key-*")); len(left) != 0 {
			t.Fatalf("temporary files left behind: %v", left)
		}
	}
}
