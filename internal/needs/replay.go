package needs

import (
	"context"
	"fmt"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The projection of needs for `abri verify`: needs and which tally met
// how much of each.

func init() {
	ledger.RegisterProjection("needs", func() ledger.Projection { return &needReplay{needs: map[int64]*replayedNeed{}} })
}

type replayedNeed struct {
	c                NeedCreated
	base             int64
	met              int64
	state            string
	created, updated int64
	meets            map[int64]int64 // tally → quantity
	last             ledger.Touch
}

type needReplay struct{ needs map[int64]*replayedNeed }

func (r *needReplay) Apply(e ledger.Event, p ledger.Payload) {
	if e.Entity != "need" {
		return
	}
	t := ledger.TouchOf(e)
	at := db.Micros(e.At)
	if c, ok := p.(NeedCreated); ok {
		r.needs[e.EntityID] = &replayedNeed{c: c, base: e.BaseID, state: Open, created: at, updated: at, meets: map[int64]int64{}, last: t}
		return
	}
	n := r.needs[e.EntityID]
	if n == nil {
		return
	}
	switch p := p.(type) {
	case NeedMet:
		n.met += p.Quantity
		if p.Quantity > 0 {
			n.meets[p.TallyID] = p.Quantity
		} else {
			delete(n.meets, p.TallyID)
		}
		n.state = stateOf(n.c.Quantity, n.met)
	case NeedCancelled:
		n.state = Cancelled
	default:
		return
	}
	n.updated, n.last = at, t
}

func (r *needReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, site, product, category, quantity, met, urgency, ca, ua int64
		var source, state string
		if err := scan(&id, &base, &site, &product, &category, &quantity, &met, &urgency, &source, &state, &ca, &ua); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("need %d", id)
		n := r.needs[id]
		if n == nil {
			ds.Unexpected("needs", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("needs", row, n.last, c, want, got) }
		col("base_id", n.base, base)
		col("site_id", n.c.SiteID, site)
		col("product_id", n.c.ProductID, product)
		col("category_id", n.c.CategoryID, category)
		col("quantity", n.c.Quantity, quantity)
		col("met", n.met, met)
		col("urgency", n.c.Urgency, urgency)
		col("source", n.c.Source, source)
		col("state", n.state, state)
		col("created_at", n.created, ca)
		col("updated_at", n.updated, ua)
		return nil
	}, `SELECT id, base_id, site_id, product_id, category_id, quantity, met, urgency, source, state, created_at, updated_at
		FROM needs WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify needs: %w", err)
	}
	for id, n := range r.needs {
		if !seen[id] {
			ds.Missing("needs", fmt.Sprintf("need %d", id), n.last)
		}
	}
	type mk struct{ need, tally int64 }
	meets := map[mk]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var need, tally, quantity int64
		if err := scan(&need, &tally, &quantity); err != nil {
			return err
		}
		meets[mk{need, tally}] = true
		row := fmt.Sprintf("need %d tally %d", need, tally)
		n := r.needs[need]
		if n == nil {
			ds.Unexpected("need_meets", row)
			return nil
		}
		want, ok := n.meets[tally]
		if !ok {
			ds.Unexpected("need_meets", row)
			return nil
		}
		ds.Col("need_meets", row, n.last, "quantity", want, quantity)
		return nil
	}, "SELECT need_id, tally_id, quantity FROM need_meets WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify need meets: %w", err)
	}
	for id, n := range r.needs {
		for tl := range n.meets {
			if !meets[mk{id, tl}] {
				ds.Missing("need_meets", fmt.Sprintf("need %d tally %d", id, tl), n.last)
			}
		}
	}
	return ds, nil
}
