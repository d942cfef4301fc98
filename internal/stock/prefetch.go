package stock

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/place"
)

// boxFetch is what a change of one box (UpdateBox) reads and locks on
// PostgreSQL: the box with its tags, and the location it moves to. The
// changes sharing a transaction read theirs together, in one statement,
// before the first runs (db.Prefetcher), so that each then runs without
// waiting for the server; a change touches no box but its own.
type boxFetch struct {
	code string
	org  int64
	base int64
	to   int64 // the location moved to; 0: none (or not the actor's to see)
}

func newBoxFetch(actor access.Actor, code string, to *int64) *boxFetch {
	f := &boxFetch{code: code, org: actor.OrgID, base: actor.BaseID}
	if to != nil && actor.Require(access.ViewLocations) == nil {
		f.to = *to
	}
	return f
}

// fetchedKey is where a prefetched box waits for its change (db.Tx.TakePrefetched).
type fetchedKey struct{ code string }

// fetchedBox is a box read to be changed, and the locations its changes
// move it to.
type fetchedBox struct {
	base int64
	box  Box
	to   map[int64]*moveTarget
}

// target is the box and the location f asks for, when they were read.
func (fb *fetchedBox) target(f *boxFetch) (Box, *moveTarget, bool) {
	if fb.base != f.base {
		return Box{}, nil, false
	}
	if f.to == 0 {
		return fb.box, nil, true
	}
	t, ok := fb.to[f.to]
	return fb.box, t, ok
}

// boxesToChangeQuery locks the organisation's boxes among the codes, in the
// order of their ids (so that two such statements cannot deadlock), and
// reads each with its tags and the locations asked for, in one statement.
// The lock is taken in a CTE on the boxes table alone (see boxForUpdate for
// why): the row it returns is the box as it is now, even when the lock had
// to wait for another transaction's change, but the rest of the statement
// (product, location, tags) reads the snapshot taken when the statement
// began. The last condition drops a box whose two differ; its change then
// reads it with a statement of its own. PostgreSQL only.
const boxesToChangeQuery = `WITH req AS (SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS r(code, base_id, to_id)),
lb AS MATERIALIZED (SELECT id, code, base_id, product_id, size, measure, items, location_id, state, expires_on,
	comment, donation_id, version, created_at, updated_at FROM boxes WHERE code = ANY(?::text[]) AND org_id = ? ORDER BY id FOR UPDATE)
SELECT ` + boxCols + `,
	(SELECT string_agg(t.name, ? ORDER BY t.name) FROM box_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.box_id = b.id),
	tl.id, tl.name, tl.kind, tl.default_state, tl.archived, req.code, req.base_id, req.to_id
FROM req JOIN lb b ON b.code = req.code AND b.base_id = req.base_id` + boxJoins + `
	LEFT JOIN locations tl ON tl.id = req.to_id AND tl.base_id = req.base_id AND tl.org_id = ?
WHERE (SELECT version FROM boxes WHERE id = b.id) = b.version`

// boxesToChange locks and reads what the fetches of one organisation ask
// for, by code.
func boxesToChange(ctx context.Context, tx *db.Tx, org int64, fs []*boxFetch) (map[string]*fetchedBox, error) {
	seen := map[boxFetch]bool{}
	var codes []string
	var bases, tos []int64
	for _, f := range fs {
		if seen[*f] || f.org != org {
			continue
		}
		seen[*f] = true
		codes, bases, tos = append(codes, f.code), append(bases, f.base), append(tos, f.to)
	}
	got := map[string]*fetchedBox{}
	err := tx.QueryEach(ctx, boxesToChangeQuery, []any{codes, bases, tos, codes, org, "\n", org}, func(r db.Row) error {
		var code string
		var base, to int64
		var tags sql.NullString
		var tID sql.NullInt64
		var tName, tKind, tState sql.NullString
		var tArchived sql.NullBool
		b, err := scanBox(withTags{r, &tags, []any{&tID, &tName, &tKind, &tState, &tArchived, &code, &base, &to}})
		if err != nil {
			return err
		}
		if tags.Valid {
			b.Tags = strings.Split(tags.String, "\n")
		}
		fb := got[code]
		if fb == nil {
			fb = &fetchedBox{base: base, box: b, to: map[int64]*moveTarget{}}
			got[code] = fb
		}
		if to != 0 {
			t := &moveTarget{id: to}
			found := error(apperr.ErrNotFound())
			if tID.Valid {
				t.loc = place.Location{ID: tID.Int64, OrgID: org, BaseID: base, Name: tName.String, Kind: tKind.String,
					DefaultState: tState.String, Archived: tArchived.Bool}
				found = nil
			}
			t.loc, t.err = live(t.loc, found)
			fb.to[to] = t
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read boxes to change: %w", err)
	}
	return got, nil
}

// Prefetch reads the boxes of all the changes (each a *boxFetch of one
// organisation: a shared transaction is the organisation's).
func (f *boxFetch) Prefetch(ctx context.Context, tx *db.Tx, all []db.Prefetcher) error {
	fs := make([]*boxFetch, len(all))
	for i, p := range all {
		fs[i] = p.(*boxFetch)
	}
	got, err := boxesToChange(ctx, tx, f.org, fs)
	if err != nil {
		return err
	}
	for code, fb := range got {
		tx.Prefetched(fetchedKey{code}, fb)
	}
	return nil
}

// prefetched takes the box read for f, if the prefetch read it and nothing
// in the transaction has changed it since.
func prefetched(tx *db.Tx, f *boxFetch) (Box, *moveTarget, bool) {
	v, ok := tx.TakePrefetched(fetchedKey{f.code})
	if !ok {
		return Box{}, nil, false
	}
	return v.(*fetchedBox).target(f)
}
