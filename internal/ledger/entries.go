package ledger

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"

	"abri/internal/db"
)

// Entry is an event as it travels outside the database (an incident's
// export bundle): every field its hash covers, times in microseconds, the
// payload as stored, and the chain links in hexadecimal, so that anyone can
// recompute the hash (docs/architecture.md says how) without abri.
type Entry struct {
	OrgID    int64  `json:"org_id"`
	Seq      int64  `json:"seq"`
	At       int64  `json:"at_us"`
	BaseID   int64  `json:"base_id"`
	ActorID  int64  `json:"actor_id"`
	Kind     string `json:"kind"`
	Version  int    `json:"version"`
	Entity   string `json:"entity"`
	EntityID int64  `json:"entity_id"`
	Payload  string `json:"payload"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// EntryOf is an event in its travelling form.
func EntryOf(e Event) Entry {
	return Entry{OrgID: e.OrgID, Seq: e.Seq, At: db.Micros(e.At), BaseID: e.BaseID, ActorID: e.ActorID, Kind: e.Kind,
		Version: e.Version, Entity: e.Entity, EntityID: e.EntityID, Payload: string(e.Payload),
		PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

// Event is the entry as an event; an error when a link is not hexadecimal.
func (en Entry) Event() (Event, error) {
	prev, err := hex.DecodeString(en.PrevHash)
	if err != nil {
		return Event{}, fmt.Errorf("entry %d: prev_hash: %w", en.Seq, err)
	}
	h, err := hex.DecodeString(en.Hash)
	if err != nil {
		return Event{}, fmt.Errorf("entry %d: hash: %w", en.Seq, err)
	}
	return Event{OrgID: en.OrgID, Seq: en.Seq, At: db.FromMicros(en.At), BaseID: en.BaseID, ActorID: en.ActorID, Kind: en.Kind,
		Version: en.Version, Entity: en.Entity, EntityID: en.EntityID, Payload: []byte(en.Payload), PrevHash: prev, Hash: h}, nil
}

// EntriesAbout reads every event of an organisation about some entities of
// one kind, with their chain links, in the order of the chain.
func EntriesAbout(ctx context.Context, q db.Queryer, orgID int64, entity string, ids []int64) ([]Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{orgID, entity}
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = "?"
		args = append(args, id)
	}
	rows, err := q.Query(ctx, `SELECT seq, at, base_id, actor_id, kind, version, entity_id, payload, prev_hash, hash FROM ledger
		WHERE org_id = ? AND entity = ? AND entity_id IN (`+strings.Join(marks, ", ")+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger entries: %w", err)
	}
	defer rows.Close()
	var es []Event
	for rows.Next() {
		e := Event{OrgID: orgID, Entity: entity}
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &e.Version, &e.EntityID, &payload, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("ledger entries: %w", err)
		}
		e.At, e.Payload = db.FromMicros(at), []byte(payload)
		es = append(es, e)
	}
	return es, rows.Err()
}

// PublicKeyOf names an Ed25519 public key as checkpoints name theirs.
func PublicKeyOf(k ed25519.PublicKey) PublicKey { return publicKey(k) }

// SignBytes signs a document other than a checkpoint (an export bundle's
// manifest) with the checkpoint key. Checkpoint messages begin with the
// label "abri-checkpoint-v1", so no such document can pass for one.
func (k *Key) SignBytes(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// SignTx signs an event that tx has just appended, which is its chain's
// head until tx ends (the append holds the head), and stores the
// checkpoint in tx: a checkpoint that names exactly that event.
func SignTx(ctx context.Context, tx *db.Tx, k *Key, e Event) (Checkpoint, error) {
	c := k.Sign(e.OrgID, e.Seq, e.Hash, tx.Now)
	if _, err := storeCheckpoint(ctx, tx, c); err != nil {
		return c, err
	}
	return c, nil
}

// storeCheckpoint keeps a checkpoint; false when one of that entry by that
// key was stored already (another signer beside the server), either being
// as good.
func storeCheckpoint(ctx context.Context, tx *db.Tx, c Checkpoint) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO ledger_checkpoints (org_id, seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, seq, key_id) DO NOTHING`, c.OrgID, c.Seq, []byte(c.Hash), db.Micros(c.At), c.KeyID, c.Signature)
	if err != nil {
		return false, fmt.Errorf("store checkpoint: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
