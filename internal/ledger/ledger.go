// Package ledger is abri's journal: every change is an event appended in the
// same transaction as the change, in one hash chain per organisation. Each
// event's hash covers its fields and the previous event's hash, so a changed,
// deleted or reordered row breaks the chain, and Verify finds where.
package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"abri/internal/access"
	"abri/internal/db"
)

// Event is one entry of the journal.
type Event struct {
	OrgID    int64
	Seq      int64
	At       time.Time
	BaseID   int64
	ActorID  int64
	Kind     string // what happened, e.g. "user.created"
	Version  int    // the shape of the payload for its kind (0 is read as 1)
	Entity   string // the kind of thing it happened to, e.g. "user"
	EntityID int64
	Payload  json.RawMessage
	PrevHash []byte
	Hash     []byte
}

// genesis is the previous hash of every chain's first event.
var genesis = make([]byte, sha256.Size)

// lockHead reads the organisation's chain head (locking it on PostgreSQL
// until the transaction ends), starting the chain when there is none.
func lockHead(ctx context.Context, tx *db.Tx, org int64) (seq int64, hash []byte, err error) {
	read := func() error {
		return tx.QueryRow(ctx, "SELECT seq, hash FROM ledger_heads WHERE org_id = ?"+tx.ForUpdate(), org).Scan(&seq, &hash)
	}
	err = read()
	if db.IsNoRows(err) {
		// A new chain. Two transactions may start it at once (on PostgreSQL
		// neither sees the other's row yet): the second waits on the
		// first's insert, does nothing, then locks the head it made.
		if _, err := tx.Exec(ctx, "INSERT INTO ledger_heads (org_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT (org_id) DO NOTHING", org, genesis); err != nil {
			return 0, nil, fmt.Errorf("new chain: %w", err)
		}
		err = read()
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read head: %w", err)
	}
	return seq, hash, nil
}

// Append writes one event in tx, chained to the organisation's newest event.
// The payload is a registered event type (see Register), stored as its JSON
// encoding; it must not hold personal data beyond what the change itself
// stores.
func Append(ctx context.Context, tx *db.Tx, actor access.Actor, entity string, entityID int64, payload Payload) (Event, error) {
	if payload == nil {
		return Event{}, fmt.Errorf("ledger append to %s %d: no payload", entity, entityID)
	}
	kind := payload.EventKind()
	if actor.OrgID == 0 {
		return Event{}, fmt.Errorf("ledger append %s: actor has no organisation", kind)
	}
	if err := checkRegistered(payload); err != nil {
		return Event{}, err
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("ledger append %s: payload: %w", kind, err)
	}
	e := Event{OrgID: actor.OrgID, At: tx.Now, BaseID: actor.BaseID, ActorID: actor.UserID,
		Kind: kind, Version: payload.EventVersion(), Entity: entity, EntityID: entityID, Payload: p}

	if tx.Dialect() == db.Postgres {
		if err := appendPostgres(ctx, tx, &e); err != nil {
			return Event{}, fmt.Errorf("ledger append %s: %w", kind, err)
		}
		return e, nil
	}
	seq, hash, err := lockHead(ctx, tx, e.OrgID)
	if err != nil {
		return Event{}, fmt.Errorf("ledger append %s: %w", kind, err)
	}
	e.Seq, e.PrevHash = seq+1, hash
	e.Hash = Hash(e)
	if _, err := tx.Exec(ctx, `INSERT INTO ledger (org_id, seq, at, base_id, actor_id, kind, version, entity, entity_id, payload, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.Seq, db.Micros(e.At), e.BaseID, e.ActorID, e.Kind, e.Version, e.Entity, e.EntityID, string(e.Payload), e.PrevHash, e.Hash); err != nil {
		return Event{}, fmt.Errorf("ledger append %s: %w", kind, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE ledger_heads SET seq = ?, hash = ? WHERE org_id = ?", e.Seq, e.Hash, e.OrgID); err != nil {
		return Event{}, fmt.Errorf("ledger append %s: move head: %w", kind, err)
	}
	return e, nil
}

// Hash computes an event's hash: SHA-256 over a fixed label, then each field
// in a fixed order, every field prefixed with its length (8 bytes, big
// endian) so that no two different events encode alike. Events of payload
// version 1 hash as they always have ("abri-ledger-v1", no version field);
// later versions use the label "abri-ledger-v2" and add the version after
// the kind.
func Hash(e Event) []byte {
	h := sha256.New()
	v2 := e.Version > 1
	if v2 {
		h.Write([]byte("abri-ledger-v2"))
	} else {
		h.Write([]byte("abri-ledger-v1"))
	}
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	num := func(v int64) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(v))
		field(b[:])
	}
	num(e.OrgID)
	num(e.Seq)
	num(db.Micros(e.At))
	num(e.BaseID)
	num(e.ActorID)
	field([]byte(e.Kind))
	if v2 {
		num(int64(e.Version))
	}
	field([]byte(e.Entity))
	num(e.EntityID)
	field(e.Payload)
	field(e.PrevHash)
	return h.Sum(nil)
}

// HashHex is a short printable form of a hash.
func HashHex(b []byte) string { return hex.EncodeToString(b) }
