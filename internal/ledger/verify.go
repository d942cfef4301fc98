package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"sort"

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
	Heads   []Head // each chain's head, by organisation
	// Differences are the rows the events do not account for, at most
	// MaxDifferences of them; Differing counts them all.
	Differences []Difference
	Differing   int
	// Checkpoints are the checkpoints checked: stored ones and those given.
	Checkpoints []CheckpointCheck
}

// CheckpointCheck is what Verify found of one checkpoint.
type CheckpointCheck struct {
	Checkpoint
	Source  string // "database", or the file it came from
	Problem string // "" when the checkpoint holds
	// Unsigned: the signature was not checked, for want of a key.
	Unsigned bool
}

// VerifyOptions adds checkpoints to Verify.
type VerifyOptions struct {
	// Keys check the checkpoints' signatures; with none, only that the
	// chains still hold the checkpoints' hashes is checked.
	Keys []PublicKey
	// Extra are checkpoints kept outside the database, each with where
	// it came from.
	Extra []CheckpointCheck
}

// MaxDifferences is how many differences a Report keeps.
const MaxDifferences = 1000

// Head is the newest entry of one organisation's chain.
type Head struct {
	OrgID int64
	Seq   int64
	Hash  []byte
}

// OK is true when every chain holds, every row matches its events and
// every checkpoint holds.
func (r Report) OK() bool {
	for _, c := range r.Checkpoints {
		if c.Problem != "" {
			return false
		}
	}
	return r.Broken == nil && r.Differing == 0
}

func (r *Report) differ(ds ...Difference) {
	for _, d := range ds {
		r.Differing++
		if len(r.Differences) < MaxDifferences {
			r.Differences = append(r.Differences, d)
		}
	}
}

// Verify recomputes every chain from its first entry and checks it against
// the stored hashes and the chain heads, and replays each organisation's
// events through the registered projections, comparing what they rebuild
// with the rows in the database. A chain's check stops at its first break.
//
// It reads in one read-only transaction, so that it sees the heads and the
// entries as of one moment: on a running server an append landing between
// two reads would otherwise look like an entry past the head.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	return VerifyWith(ctx, d, VerifyOptions{})
}

// VerifyWith is Verify checking the stored checkpoints with keys, and
// checkpoints kept elsewhere too.
func VerifyWith(ctx context.Context, d *db.DB, opts VerifyOptions) (Report, error) {
	txo := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == db.Postgres {
		txo.Isolation = sql.LevelRepeatableRead
	}
	stx, err := d.SQL().BeginTx(ctx, txo)
	if err != nil {
		return Report{}, fmt.Errorf("verify: begin: %w", err)
	}
	defer stx.Rollback()
	return verify(ctx, snapshot{stx, d}, opts)
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

func verify(ctx context.Context, d snapshot, opts VerifyOptions) (Report, error) {
	var rep Report
	if err := loadCheckpoints(ctx, d, &rep, opts); err != nil {
		return rep, err
	}
	byOrg := map[int64]map[int64][]*CheckpointCheck{}
	for i := range rep.Checkpoints {
		c := &rep.Checkpoints[i]
		if byOrg[c.OrgID] == nil {
			byOrg[c.OrgID] = map[int64][]*CheckpointCheck{}
		}
		byOrg[c.OrgID][c.Seq] = append(byOrg[c.OrgID][c.Seq], c)
	}
	rows, err := d.Query(ctx, "SELECT org_id, seq, hash FROM ledger_heads ORDER BY org_id")
	if err != nil {
		return rep, fmt.Errorf("verify: read heads: %w", err)
	}
	for rows.Next() {
		var h Head
		if err := rows.Scan(&h.OrgID, &h.Seq, &h.Hash); err != nil {
			rows.Close()
			return rep, fmt.Errorf("verify: read heads: %w", err)
		}
		rep.Heads = append(rep.Heads, h)
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
	}
	// Every organisation's rows are compared, with a chain or without.
	orgs, err := organisations(ctx, d)
	if err != nil {
		return rep, err
	}
	heads := map[int64]Head{}
	for _, h := range rep.Heads {
		heads[h.OrgID] = h
		if !orgs[h.OrgID] {
			orgs[h.OrgID] = true
		}
	}
	ids := make([]int64, 0, len(orgs))
	for id := range orgs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, org := range ids {
		ps := newProjections()
		if h, ok := heads[org]; ok {
			rep.Chains++
			n, brk, err := verifyChain(ctx, d, org, h.Seq, h.Hash, ps, byOrg[org], &rep)
			rep.Entries += n
			if err != nil {
				return rep, err
			}
			if brk != nil && rep.Broken == nil {
				rep.Broken = brk
			}
		}
		delete(byOrg, org)
		for _, p := range ps {
			ds, err := p.Compare(ctx, d, org)
			if err != nil {
				return rep, fmt.Errorf("verify organisation %d: %w", org, err)
			}
			for i := range ds {
				ds[i].OrgID = org
			}
			rep.differ(ds...)
		}
	}
	for _, seqs := range byOrg { // checkpoints of a chain that is gone
		for _, cs := range seqs {
			for _, c := range cs {
				c.fail("the database has no chain for this organisation")
			}
		}
	}
	return rep, nil
}

func (c *CheckpointCheck) fail(problem string) {
	if c.Problem == "" {
		c.Problem = problem
	}
}

// loadCheckpoints reads the stored checkpoints, adds the extra ones and
// checks every signature.
func loadCheckpoints(ctx context.Context, d snapshot, rep *Report, opts VerifyOptions) error {
	rows, err := d.Query(ctx, "SELECT org_id, seq, hash, at, key_id, signature FROM ledger_checkpoints ORDER BY org_id, seq")
	if err != nil {
		return fmt.Errorf("verify: read checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := CheckpointCheck{Source: "database"}
		var at int64
		var h []byte
		if err := rows.Scan(&c.OrgID, &c.Seq, &h, &at, &c.KeyID, &c.Signature); err != nil {
			return fmt.Errorf("verify: read checkpoints: %w", err)
		}
		c.Hash, c.At = h, db.FromMicros(at)
		rep.Checkpoints = append(rep.Checkpoints, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read checkpoints: %w", err)
	}
	rep.Checkpoints = append(rep.Checkpoints, opts.Extra...)
	for i := range rep.Checkpoints {
		c := &rep.Checkpoints[i]
		if len(opts.Keys) == 0 {
			c.Unsigned = true
			continue
		}
		if err := c.CheckSignature(opts.Keys...); err != nil {
			c.fail(err.Error())
		}
	}
	return nil
}

func organisations(ctx context.Context, d snapshot) (map[int64]bool, error) {
	rows, err := d.Query(ctx, "SELECT id FROM organisations")
	if err != nil {
		return nil, fmt.Errorf("verify: read organisations: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("verify: read organisations: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// verifyChain checks one chain and feeds each entry to the projections. At
// a break it stops: what follows cannot be trusted to replay.
func verifyChain(ctx context.Context, d snapshot, org, headSeq int64, headHash []byte, ps []Projection,
	cps map[int64][]*CheckpointCheck, rep *Report) (n int64, brk *Break, err error) {
	// Whatever checkpoint was not reached is past the end of the chain, or
	// past its break.
	defer func() {
		for seq, cs := range cps {
			for _, c := range cs {
				switch {
				case brk != nil && seq >= brk.Seq:
					c.fail(fmt.Sprintf("the chain is broken at entry %d, before it", brk.Seq))
				default:
					c.fail(fmt.Sprintf("the chain no longer has entry %d (its head is %d): entries were taken away", seq, headSeq))
				}
			}
		}
	}()
	rows, err := d.Query(ctx, `SELECT seq, at, base_id, actor_id, kind, version, entity, entity_id, payload, prev_hash, hash
		FROM ledger WHERE org_id = ? ORDER BY seq`, org)
	if err != nil {
		return 0, nil, fmt.Errorf("verify organisation %d: %w", org, err)
	}
	defer rows.Close()
	prev := genesis
	var want int64 = 1
	var e Event
	var at int64
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &at, &e.BaseID, &e.ActorID, &e.Kind, &e.Version, &e.Entity, &e.EntityID, &payload, &e.PrevHash, &e.Hash); err != nil {
			return n, nil, fmt.Errorf("verify organisation %d: %w", org, err)
		}
		n++
		e.OrgID, e.At, e.Payload = org, db.FromMicros(at), payload
		switch {
		case e.Seq != want:
			return n, &Break{org, want, fmt.Sprintf("entry missing (next found is %d)", e.Seq)}, nil
		case !bytes.Equal(e.PrevHash, prev):
			return n, &Break{org, e.Seq, "previous hash does not match the entry before it"}, nil
		case !bytes.Equal(Hash(e), e.Hash):
			return n, &Break{org, e.Seq, "contents do not match the entry's hash"}, nil
		}
		if cs, ok := cps[e.Seq]; ok {
			for _, c := range cs {
				if !bytes.Equal(c.Hash, e.Hash) {
					c.fail(fmt.Sprintf("the chain's entry %d has another hash now (%s): the chain was rewritten from there or before", e.Seq, HashHex(e.Hash)))
				}
			}
			delete(cps, e.Seq)
		}
		p, err := e.Decode()
		if err != nil {
			rep.differ(Difference{OrgID: org, Table: "ledger", Row: fmt.Sprintf("entry %d", e.Seq), Column: "payload",
				Ledger: "an event abri can read", Stored: err.Error(), Last: TouchOf(e)})
		} else {
			for _, pr := range ps {
				pr.Apply(e, p)
			}
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
	return Events(ctx, q, orgID, entity, entityID, 0, limit, false)
}
