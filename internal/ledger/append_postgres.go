package ledger

import (
	"bytes"
	"context"
	"fmt"

	"abri/internal/db"
)

// On PostgreSQL each organisation's chain head is a row that every writer
// of the organisation locks until its commit, so the time between taking
// that lock and committing bounds how many changes an organisation makes a
// second. The append takes it as late as it can, and in one statement:
// moving the head (its old seq and hash in the WHERE, so that the move
// only happens when the chain still ends where the event says it does) and
// inserting the event, chained to it, in one round trip.
//
// The old head comes from the hint this process keeps for the chain (the
// head it last wrote). When the hint no longer holds (another process
// wrote, or the transaction that wrote it rolled back), the statement
// changes nothing and the append reads the head, locking it, and runs the
// statement again.
//
// Once a transaction has moved the head, it holds the head's lock until it
// ends, so the head it wrote (kept with db.Tx.SetValue, which a rolled-back
// savepoint takes back) is the truth, not a guess: the next append of the
// same transaction cannot miss, needs no answer, and is queued
// (db.Tx.ExecLaterOne) to be sent with the transaction's next statement. Were
// it ever to change no row, it would fail its request, never skip an event.

const appendStatement = `WITH head AS (
	UPDATE ledger_heads SET seq = ?, hash = ? WHERE org_id = ? AND seq = ? AND hash = ? RETURNING org_id)
INSERT INTO ledger (org_id, seq, at, base_id, actor_id, kind, version, entity, entity_id, payload, prev_hash, hash)
SELECT org_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM head`

// headHint is what a process last wrote as a chain's head.
type headHint struct {
	seq  int64
	hash []byte
}

type hintKey struct{ org int64 }

// heldKey keeps, in a transaction, the head it moved (db.Tx.Value).
type heldKey struct{ org int64 }

func appendPostgres(ctx context.Context, tx *db.Tx, e *Event) error {
	hints := tx.Hints()
	key := hintKey{e.OrgID}
	if v, ok := tx.Value(heldKey{e.OrgID}); ok {
		h := v.(headHint)
		e.Seq, e.PrevHash = h.seq+1, bytes.Clone(h.hash)
		e.Hash = Hash(*e)
		if err := tx.ExecLaterOne(ctx, appendStatement, appendArgs(e, h.seq, h.hash)...); err != nil {
			return err
		}
		moved(tx, e)
		return nil
	}
	if v, ok := hints.Load(key); ok {
		h := v.(headHint)
		done, err := insertChained(ctx, tx, e, h.seq, h.hash)
		if err != nil {
			return err
		}
		if done {
			moved(tx, e)
			return nil
		}
	}
	seq, hash, err := lockHead(ctx, tx, e.OrgID)
	if err != nil {
		return err
	}
	done, err := insertChained(ctx, tx, e, seq, hash)
	if err != nil {
		return err
	}
	if !done { // the head is locked: nobody can have moved it
		return fmt.Errorf("chain head of organisation %d moved while locked", e.OrgID)
	}
	moved(tx, e)
	return nil
}

// moved notes that the transaction moved the chain's head to e: for this
// process's next transactions a hint, for this one the truth.
func moved(tx *db.Tx, e *Event) {
	h := headHint{e.Seq, e.Hash}
	tx.Hints().Store(hintKey{e.OrgID}, h)
	tx.SetValue(heldKey{e.OrgID}, h)
}

func appendArgs(e *Event, seq int64, hash []byte) []any {
	return []any{e.Seq, e.Hash, e.OrgID, seq, hash,
		e.Seq, db.Micros(e.At), e.BaseID, e.ActorID, e.Kind, e.Version, e.Entity, e.EntityID, string(e.Payload), e.PrevHash, e.Hash}
}

// insertChained chains e to the head (seq, hash) and writes it, moving the
// head, if the chain still ends there; it tells whether it did.
func insertChained(ctx context.Context, tx *db.Tx, e *Event, seq int64, hash []byte) (bool, error) {
	e.Seq, e.PrevHash = seq+1, bytes.Clone(hash)
	e.Hash = Hash(*e)
	res, err := tx.Exec(ctx, appendStatement, appendArgs(e, seq, hash)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
