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

// boxFetch is what a change of one box (UpdateBox) will read in its shared
// transaction on PostgreSQL: the box, locked, with its tags, and the
// location it moves to. The changes sharing a transaction read theirs in one
// statement before the first runs (db.Prefetcher), so that each then runs
// without waiting for the server; a change touches no box but its own.
type boxFetch struct {
	code string
	org  int64
	base int64
	to   int64 // the location moved to; 0: none (or not the actor's to see)
}

// fetchedKey is where a prefetched box waits for its change (db.Tx.TakePrefetched).
type fetchedKey struct{ code string }

// fetchedBox is a box read by the prefetch, and the locations its changes
// move it to.
type fetchedBox struct {
	base int64
	box  Box
	to   map[int64]*moveTarget
}

func newBoxFetch(actor access.Actor, code string, to *int64) *boxFetch {
	f := &boxFetch{code: code, org: actor.OrgID, base: actor.BaseID}
	if to != nil && actor.Require(access.ViewLocations) == nil {
		f.to = *to
	}
	return f
}

// prefetchBoxesQuery locks the boxes of the organisation among the codes,
// in the order of their ids (so that two such statements cannot deadlock),
// and reads each with its tags and the locations asked for, as
// boxToChangeQuery does for one. A box that changed while the lock waited
// is left out: its change reads it for itself.
const prefetchBoxesQuery = `WITH req AS (SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS r(code, base_id, to_id)),
lb AS MATERIALIZED (SELECT id, code, base_id, product_id, size, measure, items, location_id, state, expires_on,
	comment, donation_id, version, created_at, updated_at FROM boxes WHERE code = ANY(?::text[]) AND org_id = ? ORDER BY id FOR UPDATE)
SELECT req.code, req.base_id, req.to_id, ` + boxCols + `,
	(SELECT string_agg(t.name, ? ORDER BY t.name) FROM box_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.box_id = b.id),
	tl.id, tl.name, tl.kind, tl.default_state, tl.archived
FROM req JOIN lb b ON b.code = req.code AND b.base_id = req.base_id` + boxJoins + `
	LEFT JOIN locations tl ON tl.id = req.to_id AND tl.base_id = req.base_id AND tl.org_id = ?
WHERE (SELECT version FROM boxes WHERE id = b.id) = b.version`

// Prefetch reads the boxes of all the changes (each a *boxFetch of one
// organisation: a shared transaction is the organisation's).
func (f *boxFetch) Prefetch(ctx context.Context, tx *db.Tx, all []db.Prefetcher) error {
	type req struct {
		code     string
		base, to int64
	}
	seen := map[req]bool{}
	var codes []string
	var bases, tos []int64
	for _, p := range all {
		g := p.(*boxFetch)
		r := req{g.code, g.base, g.to}
		if seen[r] || g.org != f.org {
			continue
		}
		seen[r] = true
		codes, bases, tos = append(codes, g.code), append(bases, g.base), append(tos, g.to)
	}
	got := map[string]*fetchedBox{}
	err := tx.QueryEach(ctx, prefetchBoxesQuery, []any{codes, bases, tos, codes, f.org, "\n", f.org}, func(scan func(...any) error) error {
		var code string
		var base, to int64
		var tags sql.NullString
		var tID sql.NullInt64
		var tName, tKind, tState sql.NullString
		var tArchived sql.NullBool
		b, err := scanBox(prefixed{scan, []any{&code, &base, &to}, []any{&tags, &tID, &tName, &tKind, &tState, &tArchived}})
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
				t.loc = place.Location{ID: tID.Int64, OrgID: f.org, BaseID: base, Name: tName.String, Kind: tKind.String,
					DefaultState: tState.String, Archived: tArchived.Bool}
				found = nil
			}
			t.loc, t.err = live(t.loc, found)
			fb.to[to] = t
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("prefetch boxes: %w", err)
	}
	for code, fb := range got {
		tx.Prefetched(fetchedKey{code}, fb)
	}
	return nil
}

// prefetched takes the box read for this change, if the prefetch read it
// and nothing in the transaction has changed it since.
func prefetched(tx *db.Tx, actor access.Actor, code string, to int64) (Box, *moveTarget, bool) {
	v, ok := tx.TakePrefetched(fetchedKey{code})
	if !ok {
		return Box{}, nil, false
	}
	fb := v.(*fetchedBox)
	if fb.base != actor.BaseID {
		return Box{}, nil, false
	}
	if to == 0 {
		return fb.box, nil, true
	}
	t, ok := fb.to[to]
	if !ok {
		return Box{}, nil, false
	}
	return fb.box, t, true
}

// prefixed scans columns before and after a box's.
type prefixed struct {
	scan         func(...any) error
	before, more []any
}

func (p prefixed) Scan(dest ...any) error {
	return p.scan(append(append(append([]any{}, p.before...), dest...), p.more...)...)
}
