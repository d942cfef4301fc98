package distribution

import (
	"context"
	"fmt"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The projection of rounds for `abri verify`: rounds, their lines, losses,
// boxes and tallies, rebuilt from the round events.

func init() {
	ledger.RegisterProjection("distribution", func() ledger.Projection {
		return &roundReplay{rounds: map[int64]*replayedRound{}, tallies: map[int64]*replayedTally{}}
	})
}

type replayedRound struct {
	base, site       int64
	kind, state      string
	public           bool
	starts, ends     int64
	created, updated int64
	lines            map[int64]*[2]int64  // product → planned, returned
	losses           map[[2]any]int64     // product, reason → quantity
	boxes            map[int64]*replayBox // box id
	last             ledger.Touch
}

type replayBox struct {
	code           string
	product, items int64
	returned       bool
}

type replayedTally struct {
	round                int64
	kind                 string
	product              int64
	age, gender, variant string
	quantity             int64
	undone               bool
	command              string
	created              int64
	last                 ledger.Touch
}

type roundReplay struct {
	rounds  map[int64]*replayedRound
	tallies map[int64]*replayedTally
}

func (rr *roundReplay) Apply(e ledger.Event, p ledger.Payload) {
	if e.Entity != "round" {
		return
	}
	t := ledger.TouchOf(e)
	if c, ok := p.(RoundPlanned); ok {
		at := db.Micros(e.At)
		rr.rounds[e.EntityID] = &replayedRound{base: e.BaseID, site: c.SiteID, kind: c.Kind, state: Planned, public: c.Public,
			starts: c.StartsAt, ends: c.EndsAt, created: at, updated: at,
			lines: map[int64]*[2]int64{}, losses: map[[2]any]int64{}, boxes: map[int64]*replayBox{}, last: t}
		return
	}
	r := rr.rounds[e.EntityID]
	if r == nil {
		return
	}
	switch p := p.(type) {
	case RoundStateChanged:
		r.state, r.updated = p.To, db.Micros(e.At)
	case RoundPublicSet:
		r.public, r.updated = p.Public, db.Micros(e.At)
	case RoundLineSet:
		packed := false
		for _, b := range r.boxes {
			packed = packed || b.product == p.ProductID
		}
		if p.Planned == 0 && !packed {
			delete(r.lines, p.ProductID)
		} else if l := r.lines[p.ProductID]; l != nil {
			l[0] = p.Planned
		} else {
			r.lines[p.ProductID] = &[2]int64{p.Planned, 0}
		}
	case RoundBoxPacked:
		r.boxes[p.BoxID] = &replayBox{code: p.Code, product: p.ProductID, items: p.Items}
		if r.lines[p.ProductID] == nil {
			r.lines[p.ProductID] = &[2]int64{}
		}
	case RoundBoxUnpacked:
		delete(r.boxes, p.BoxID)
	case RoundBoxReturned:
		if b := r.boxes[p.BoxID]; b != nil {
			b.returned = true
		}
	case RoundReturnCounted:
		if l := r.lines[p.ProductID]; l != nil {
			l[1] += p.Quantity
		}
	case RoundLossMarked:
		r.losses[[2]any{p.ProductID, p.Reason}] += p.Quantity
	case RoundTallied:
		rr.tallies[p.TallyID] = &replayedTally{round: e.EntityID, kind: p.Kind, product: p.ProductID, age: p.Age, gender: p.Gender,
			variant: p.Variant, quantity: p.Quantity, command: p.CommandID, created: db.Micros(e.At), last: t}
	case RoundTallyUndone:
		if tl := rr.tallies[p.TallyID]; tl != nil {
			tl.undone, tl.last = true, t
		}
	default:
		return
	}
	r.last = t
}

func (rr *roundReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	name := func(id int64) string { return fmt.Sprintf("round %d", id) }
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, site, st, en, ca, ua int64
		var kind, state string
		var public bool
		if err := scan(&id, &base, &site, &kind, &public, &st, &en, &state, &ca, &ua); err != nil {
			return err
		}
		seen[id] = true
		r := rr.rounds[id]
		if r == nil {
			ds.Unexpected("rounds", name(id))
			return nil
		}
		col := func(c string, want, got any) { ds.Col("rounds", name(id), r.last, c, want, got) }
		col("base_id", r.base, base)
		col("site_id", r.site, site)
		col("kind", r.kind, kind)
		col("public", r.public, public)
		col("starts_at", r.starts, st)
		col("ends_at", r.ends, en)
		col("state", r.state, state)
		col("created_at", r.created, ca)
		col("updated_at", r.updated, ua)
		return nil
	}, "SELECT id, base_id, site_id, kind, public, starts_at, ends_at, state, created_at, updated_at FROM rounds WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify rounds: %w", err)
	}
	for id, r := range rr.rounds {
		if !seen[id] {
			ds.Missing("rounds", name(id), r.last)
		}
	}

	type lk struct{ round, product int64 }
	lines := map[lk]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var round, product, planned, returned int64
		if err := scan(&round, &product, &planned, &returned); err != nil {
			return err
		}
		lines[lk{round, product}] = true
		row := fmt.Sprintf("round %d product %d", round, product)
		r := rr.rounds[round]
		if r == nil || r.lines[product] == nil {
			ds.Unexpected("round_lines", row)
			return nil
		}
		l := r.lines[product]
		ds.Col("round_lines", row, r.last, "planned", l[0], planned)
		ds.Col("round_lines", row, r.last, "returned", l[1], returned)
		return nil
	}, "SELECT round_id, product_id, planned, returned FROM round_lines WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify round lines: %w", err)
	}
	for id, r := range rr.rounds {
		for p := range r.lines {
			if !lines[lk{id, p}] {
				ds.Missing("round_lines", fmt.Sprintf("round %d product %d", id, p), r.last)
			}
		}
	}

	type lossKey struct {
		round, product int64
		reason         string
	}
	losses := map[lossKey]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var round, product, quantity int64
		var reason string
		if err := scan(&round, &product, &reason, &quantity); err != nil {
			return err
		}
		losses[lossKey{round, product, reason}] = true
		row := fmt.Sprintf("round %d product %d %s", round, product, reason)
		r := rr.rounds[round]
		if r == nil {
			ds.Unexpected("round_losses", row)
			return nil
		}
		want, ok := r.losses[[2]any{product, reason}]
		if !ok {
			ds.Unexpected("round_losses", row)
			return nil
		}
		ds.Col("round_losses", row, r.last, "quantity", want, quantity)
		return nil
	}, "SELECT round_id, product_id, reason, quantity FROM round_losses WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify round losses: %w", err)
	}
	for id, r := range rr.rounds {
		for k := range r.losses {
			if !losses[lossKey{id, k[0].(int64), k[1].(string)}] {
				ds.Missing("round_losses", fmt.Sprintf("round %d product %v %v", id, k[0], k[1]), r.last)
			}
		}
	}

	boxes := map[lk]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var round, box, product, items int64
		var code string
		var returned bool
		if err := scan(&round, &box, &code, &product, &items, &returned); err != nil {
			return err
		}
		boxes[lk{round, box}] = true
		row := fmt.Sprintf("round %d box %d (%s)", round, box, code)
		r := rr.rounds[round]
		if r == nil || r.boxes[box] == nil {
			ds.Unexpected("round_boxes", row)
			return nil
		}
		b := r.boxes[box]
		col := func(c string, want, got any) { ds.Col("round_boxes", row, r.last, c, want, got) }
		col("code", b.code, code)
		col("product_id", b.product, product)
		col("items", b.items, items)
		col("returned", b.returned, returned)
		return nil
	}, "SELECT round_id, box_id, code, product_id, items, returned FROM round_boxes WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify round boxes: %w", err)
	}
	for id, r := range rr.rounds {
		for b := range r.boxes {
			if !boxes[lk{id, b}] {
				ds.Missing("round_boxes", fmt.Sprintf("round %d box %d", id, b), r.last)
			}
		}
	}

	seen = map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, round, product, quantity, ca int64
		var kind, age, gender, variant, command string
		var undone bool
		if err := scan(&id, &round, &kind, &product, &age, &gender, &variant, &quantity, &undone, &command, &ca); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("tally %d", id)
		tl := rr.tallies[id]
		if tl == nil {
			ds.Unexpected("round_tallies", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("round_tallies", row, tl.last, c, want, got) }
		col("round_id", tl.round, round)
		col("kind", tl.kind, kind)
		col("product_id", tl.product, product)
		col("age", tl.age, age)
		col("gender", tl.gender, gender)
		col("variant", tl.variant, variant)
		col("quantity", tl.quantity, quantity)
		col("undone", tl.undone, undone)
		col("command_id", tl.command, command)
		col("created_at", tl.created, ca)
		return nil
	}, "SELECT "+tallyCols+" FROM round_tallies WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify tallies: %w", err)
	}
	for id, tl := range rr.tallies {
		if !seen[id] {
			ds.Missing("round_tallies", fmt.Sprintf("tally %d", id), tl.last)
		}
	}
	return ds, nil
}
