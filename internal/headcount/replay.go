package headcount

import (
	"context"
	"fmt"

	"abri/internal/ledger"
)

// The projection of the quick count's rows for `abri verify`.

func init() {
	ledger.RegisterProjection("headcount", func() ledger.Projection { return &replay{rows: map[int64]*replayed{}} })
}

type replayed struct {
	base, actor, at int64
	r               Recorded
	last            ledger.Touch
}

type replay struct{ rows map[int64]*replayed }

func (p *replay) Apply(e ledger.Event, pl ledger.Payload) {
	if r, ok := pl.(Recorded); ok {
		p.rows[e.EntityID] = &replayed{base: e.BaseID, actor: e.ActorID, at: e.At.UnixMicro(), r: r, last: ledger.TouchOf(e)}
	}
}

func (p *replay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, site, n, made, by, at int64
		var day, age, gender string
		if err := scan(&id, &base, &site, &day, &age, &gender, &n, &made, &by, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("headcount %d", id)
		w := p.rows[id]
		if w == nil {
			ds.Unexpected("headcounts", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("headcounts", row, w.last, c, want, got) }
		col("base_id", w.base, base)
		col("site_id", w.r.SiteID, site)
		col("day", w.r.Day, day)
		col("age", w.r.Age, age)
		col("gender", w.r.Gender, gender)
		col("n", w.r.N, n)
		col("made_at", w.r.MadeAt, made)
		col("created_by", w.actor, by)
		col("created_at", w.at, at)
		return nil
	}, "SELECT id, base_id, site_id, day, age, gender, n, made_at, created_by, created_at FROM headcounts WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify headcounts: %w", err)
	}
	for id, w := range p.rows {
		if !seen[id] {
			ds.Missing("headcounts", fmt.Sprintf("headcount %d", id), w.last)
		}
	}
	return ds, nil
}
