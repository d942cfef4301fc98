package shop

import (
	"context"
	"fmt"

	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/people"
)

// The projection of the shop's rows for `abri verify`: rules from
// shop.rule_set, checkouts and their lines from shop.checkout, refusal
// counts from shop.refused. An override's reason is not in the ledger. A
// checkout event names its card by a commitment (HMAC under the card's
// secret of the checkout's id), checked against the card's secret while the
// card lives; version 1 events name the card's id. An erased card's
// checkouts are folded into weekly counts and deleted (eraseCard), and no
// event says which (it would link them): a checkout event without its row
// is accepted when the weekly counts hold it, that is when, per base and
// week, the events without rows add up to shop_weeks and, per product, to
// shop_week_items. Rows an older erasure left with card id 0 are accepted
// for any card.

func init() {
	ledger.RegisterProjection("shop", func() ledger.Projection {
		return &replay{rules: map[int64]*ruleRow{}, checkouts: map[int64]*checkoutRow{}, refusals: map[refusalKey]int64{}}
	})
}

type ruleRow struct {
	base, version, created, updated int64
	r                               RuleSet
	last                            ledger.Touch
}

type checkoutRow struct {
	base, actor, at int64
	c               CheckedOut
	last            ledger.Touch
}

type refusalKey struct {
	base, rule int64
	week       string
}

type replay struct {
	rules     map[int64]*ruleRow
	checkouts map[int64]*checkoutRow
	refusals  map[refusalKey]int64
}

func (p *replay) Apply(e ledger.Event, pl ledger.Payload) {
	switch v := pl.(type) {
	case RuleSet:
		r := p.rules[e.EntityID]
		if r == nil {
			r = &ruleRow{base: e.BaseID, created: db.Micros(e.At)}
			p.rules[e.EntityID] = r
		}
		r.version++
		r.r, r.updated, r.last = v, db.Micros(e.At), ledger.TouchOf(e)
	case CheckedOut:
		p.checkouts[e.EntityID] = &checkoutRow{base: e.BaseID, actor: e.ActorID, at: db.Micros(e.At), c: v, last: ledger.TouchOf(e)}
	case Refused:
		p.refusals[refusalKey{e.BaseID, e.EntityID, v.Week}]++
	}
}

func (p *replay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, product, category, qty, period, version, created, updated int64
		var per string
		var active bool
		if err := scan(&id, &base, &product, &category, &qty, &per, &period, &active, &version, &created, &updated); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("rule %d", id)
		w := p.rules[id]
		if w == nil {
			ds.Unexpected("shop_rules", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("shop_rules", row, w.last, c, want, got) }
		col("base_id", w.base, base)
		col("product_id", w.r.ProductID, product)
		col("category_id", w.r.CategoryID, category)
		col("quantity", w.r.Quantity, qty)
		col("per", w.r.Per, per)
		col("period_days", w.r.PeriodDays, period)
		col("active", w.r.Active, active)
		col("version", w.version, version)
		col("created_at", w.created, created)
		col("updated_at", w.updated, updated)
		return nil
	}, `SELECT id, base_id, product_id, category_id, quantity, per, period_days, active, version, created_at, updated_at FROM shop_rules WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop rules: %w", err)
	}
	for id, w := range p.rules {
		if !seen[id] {
			ds.Missing("shop_rules", fmt.Sprintf("rule %d", id), w.last)
		}
	}

	secrets, err := people.Secrets(ctx, q, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop checkouts: %w", err)
	}
	seen = map[int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, card, made, by, at int64
		var week, cmd string
		var first, over bool
		if err := scan(&id, &base, &card, &week, &first, &over, &cmd, &made, &by, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("checkout %d", id)
		w := p.checkouts[id]
		if w == nil {
			ds.Unexpected("shop_checkouts", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("shop_checkouts", row, w.last, c, want, got) }
		col("base_id", w.base, base)
		switch {
		case card == 0:
		case w.c.Commitment != "":
			col("card_id (commitment)", w.c.Commitment, commitment(secrets[card], id))
		default:
			col("card_id", w.c.CardID, card)
		}
		col("week", w.c.Week, week)
		col("first_in_week", w.c.FirstInWeek, first)
		col("overridden", len(w.c.Overridden) > 0, over)
		col("command_id", w.c.CommandID, cmd)
		col("made_at", w.c.MadeAt, made)
		col("created_by", w.actor, by)
		col("created_at", w.at, at)
		return nil
	}, `SELECT id, base_id, card_id, week, first_in_week, overridden, command_id, made_at, created_by, created_at FROM shop_checkouts WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop checkouts: %w", err)
	}
	// The events without rows: folded into the weekly counts.
	type weekKey struct {
		base int64
		week string
	}
	type itemKey struct {
		base, product int64
		week          string
	}
	foldedWeeks := map[weekKey][2]int64{}
	foldedItems := map[itemKey]int64{}
	for id, w := range p.checkouts {
		if seen[id] {
			continue
		}
		k := weekKey{w.base, w.c.Week}
		n := foldedWeeks[k]
		n[0]++
		if w.c.FirstInWeek {
			n[1]++
		}
		foldedWeeks[k] = n
		for _, l := range w.c.Lines {
			foldedItems[itemKey{w.base, l.ProductID, w.c.Week}] += l.Quantity
		}
		delete(p.checkouts, id) // its lines are folded too
	}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var k weekKey
		var n [2]int64
		if err := scan(&k.base, &k.week, &n[0], &n[1]); err != nil {
			return err
		}
		ds.Col("shop_weeks", fmt.Sprintf("week %s", k.week), ledger.Touch{}, "checkouts, cards", foldedWeeks[k], n)
		delete(foldedWeeks, k)
		return nil
	}, `SELECT base_id, week, checkouts, cards FROM shop_weeks WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop weeks: %w", err)
	}
	for k, n := range foldedWeeks {
		ds.Col("shop_weeks", fmt.Sprintf("week %s", k.week), ledger.Touch{}, "checkouts, cards", n, [2]int64{})
	}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var k itemKey
		var n int64
		if err := scan(&k.base, &k.product, &k.week, &n); err != nil {
			return err
		}
		ds.Col("shop_week_items", fmt.Sprintf("week %s product %d", k.week, k.product), ledger.Touch{}, "items", foldedItems[k], n)
		delete(foldedItems, k)
		return nil
	}, `SELECT base_id, product_id, week, items FROM shop_week_items WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop week items: %w", err)
	}
	for k, n := range foldedItems {
		ds.Col("shop_week_items", fmt.Sprintf("week %s product %d", k.week, k.product), ledger.Touch{}, "items", n, int64(0))
	}

	// Lines: what each checkout took from which box, in order.
	got := map[int64][]TakenLine{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var checkout int64
		var l TakenLine
		if err := scan(&checkout, &l.ProductID, &l.CategoryID, &l.BoxID, &l.Quantity); err != nil {
			return err
		}
		got[checkout] = append(got[checkout], l)
		return nil
	}, `SELECT checkout_id, product_id, category_id, box_id, quantity FROM shop_checkout_lines WHERE org_id = ? ORDER BY id`, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop checkout lines: %w", err)
	}
	for id, w := range p.checkouts {
		want := make([]TakenLine, len(w.c.Lines))
		for i, l := range w.c.Lines {
			l.Box = ""
			want[i] = l
		}
		ds.Col("shop_checkout_lines", fmt.Sprintf("checkout %d", id), w.last, "lines", want, got[id])
		delete(got, id)
	}
	for id := range got {
		ds.Unexpected("shop_checkout_lines", fmt.Sprintf("checkout %d", id))
	}

	stored := map[refusalKey]int64{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var k refusalKey
		var n int64
		if err := scan(&k.base, &k.rule, &k.week, &n); err != nil {
			return err
		}
		stored[k] = n
		return nil
	}, `SELECT base_id, rule_id, week, n FROM shop_refusals WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify shop refusals: %w", err)
	}
	for k, n := range p.refusals {
		ds.Col("shop_refusals", fmt.Sprintf("rule %d week %s", k.rule, k.week), ledger.Touch{}, "n", n, stored[k])
		delete(stored, k)
	}
	for k := range stored {
		ds.Unexpected("shop_refusals", fmt.Sprintf("rule %d week %s", k.rule, k.week))
	}
	return ds, nil
}
