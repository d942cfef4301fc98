package ledger_test

import (
	"context"
	"errors"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
)

// TestAppendWhenTheHeadMovedElsewhere: on PostgreSQL the append chains an
// event to the head its process last wrote, checking in the same statement
// that the chain still ends there. Two processes writing one chain by
// turns, and a transaction that appended and rolled back, make that guess
// wrong: the append must find the real head, and the chain must stay whole.
func TestAppendWhenTheHeadMovedElsewhere(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.PostgresDSN(t)
	one, two := dbtest.Open(t, dsn), dbtest.Open(t, dsn)
	if _, err := one.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := actor(1)
	var seqs []int64
	add := func(d *db.DB, i int) {
		seqs = append(seqs, appendOne(t, d, a, "thing", 1, step{I: i}).Seq)
	}
	add(one, 1)
	add(two, 2) // one's guess is now wrong
	add(one, 3)
	add(one, 4)
	// An append rolled back: one's guess names a head that never was.
	refused := errors.New("refused")
	err := one.InTx(ctx, func(tx *db.Tx) error {
		if _, err := ledger.Append(ctx, tx, a, "thing", 1, step{I: 99}); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatal(err)
	}
	add(one, 5)
	add(two, 6)
	add(two, 7)
	add(one, 8)
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("seqs %v, want 1…%d", seqs, len(seqs))
		}
	}
	if rep := verify(t, one); rep.Broken != nil {
		t.Errorf("chain broken: %v", rep.Broken)
	}
	es, err := ledger.History(ctx, one, 1, "thing", 1, 0)
	if err != nil || len(es) != 8 {
		t.Fatalf("%d events, %v", len(es), err)
	}
}
