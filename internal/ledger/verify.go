package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"abri/internal/db"
)

// Break describes the first entry where a chain stops holding.
type Break struct {
	OrgID  int64
	Seq    int64 // the first entry at fault: missing, changed, or past the head
	Reason string
}

func (b Break) String() string {
	return fmt.Sprintf("organisation %d, entry %d: %s", b.OrgID, b.Seq, b.Reason)
}

// Report is what Verify found.
type Report struct {
	Chains  int    // organisations with a chain
	Entries int64  // entries checked
	Broken  *Break // the first break, or nil when every chain holds
}

// Verify recomputes every chain from its first entry and checks it against
// the stored hashes and the chain heads. It stops at the first break.
//
// It reads in one read-only transaction, so that it sees the heads and the
// entries as of one moment: on a running server an append landing between
// two reads would otherwise look like an entry past the head.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == db.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	stx, err := d.SQL().BeginTx(ctx, opts)
	if err != nil {
		return Report{}, fmt.Errorf("verify: begin: %w", err)
	}
	defer stx.Rollback()
	return verify(ctx, snapshot{stx, d})
}

// snapshot runs the reads of Verify in its transaction, rebinding the SQL.
type snapshot struct {
	tx *sql.Tx
	d  *db.DB
}

func (s snapshot) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.tx.QueryContext(ctx, s.d.Rebind(q), args...)
}

func (s snapshot) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.tx.QueryRowContext(ctx, s.d.Rebind(q), args...)
}

func verify(ctx context.Context, d snapshot) (Report, error) {
	var rep Report
	heads := map[int64]struct {
		seq  int64
		hash []byte
	}{}
	rows, err := d.Query(ctx, "SELECT org_id, seq, hash FROM ledger_heads ORDER BY org_id")
	if err != nil {
		return rep, fmt.Errorf("verify: read heads: %w", err)
	}
	var orgs []int64
	for rows.Next() {
		var org, seq int64
		var h []byte
		if err := rows.Scan(&org, &seq, &h); err != nil {
			rows.Close()
			return rep, fmt.Errorf("verify: read heads: %w", err)
		}
		heads[org] = struct {
			seq  int64
			hash []byte
		}{seq, h}
		orgs = append(orgs, org)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify: read heads: %w", err)
	}
	// Entries of an organisation with no head are a break too.
	var orphan int64
	if err := d.QueryRow(ctx, "SELECT COALESCE(MIN(org_id), 0) FROM ledger WHERE org_id NOT IN (SELECT org_id FROM ledger_heads)").Scan(&orphan); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	if orphan != 0 {
		rep.Broken = &Break{OrgID: orphan, Seq: 1, Reason: "entries without a chain head"}
		return rep, nil
	}
	for _, org := range orgs {
		rep.Chains++
		n, brk, err := verifyChain(ctx, d, org, heads[org].seq, heads[org].hash)
		rep.Entries += n
		if err != nil {
			return rep, err
		}
		if brk != nil {
			rep.Broken = brk
			return rep, nil
		}
	}
	return rep, nil
}

func verifyChain(ctx context.Context, d snapshot, org, headSeq int64, headHash []byte) (int64, *Break, error) {
	rows, err := d.Query(ctx, `SELECT seq, at, base_id, actor_id, kind, entity, entity_id, payload, prev_hash, hash
		FROM ledger WHERE org_id = ? ORDER BY seq`, org)
	if err != nil {
		return 0, nil, fmt.Errorf("verify organisation %d: %w", org, err)
	}
	defer rows.Close()
	prev := genesis
	var want, n int64 = 1, 0
	for rows.Next() {
		var e Event
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &e.Entity, &e.EntityID, &payload, &e.PrevHash, &e.Hash); err != nil {
			return n, nil, fmt.Errorf("verify organisation %d: %w", org, err)
		}
		n++
		e.OrgID, e.At, e.Payload = org, db.FromMicros(at), []byte(payload)
		switch {
		case e.Seq != want:
			return n, &Break{org, want, fmt.Sprintf("entry missing (next found is %d)", e.Seq)}, nil
		case !bytes.Equal(e.PrevHash, prev):
			return n, &Break{org, e.Seq, "previous hash does not match the entry before it"}, nil
		case !bytes.Equal(Hash(e), e.Hash):
			return n, &Break{org, e.Seq, "contents do not match the entry's hash"}, nil
		}
		prev = e.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return n, nil, fmt.Errorf("verify organisation %d: %w", org, err)
	}
	switch last := want - 1; {
	case last < headSeq: // the tail from want on was deleted
		return n, &Break{org, want, fmt.Sprintf("entry missing: the chain ends at entry %d but its head says %d", last, headSeq)}, nil
	case last > headSeq: // entries were added behind the ledger's back
		return n, &Break{org, headSeq + 1, fmt.Sprintf("entry past the chain head (the head says %d)", headSeq)}, nil
	case !bytes.Equal(prev, headHash):
		return n, &Break{org, headSeq, "entry does not match the chain head"}, nil
	}
	return n, nil, nil
}

// History returns the events about one entity of an organisation, oldest
// first, at most limit of them (0 means 1000).
func History(ctx context.Context, q db.Queryer, orgID int64, entity string, entityID int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := q.Query(ctx, `SELECT seq, at, base_id, actor_id, kind, payload FROM ledger
		WHERE org_id = ? AND entity = ? AND entity_id = ? ORDER BY seq LIMIT ?`, orgID, entity, entityID, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger history: %w", err)
	}
	defer rows.Close()
	var es []Event
	for rows.Next() {
		e := Event{OrgID: orgID, Entity: entity, EntityID: entityID, Version: 1}
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &payload); err != nil {
			return nil, fmt.Errorf("ledger history: %w", err)
		}
		e.At, e.Payload = db.FromMicros(at), []byte(payload)
		es = append(es, e)
	}
	return es, rows.Err()
}
