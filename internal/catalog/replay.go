package catalog

import (
	"context"
	"fmt"
	"slices"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The catalogue's projection for `abri verify`: the organisation's own
// products, which products each base hides, and kits. The seeded standard
// products have no events; they are the same on every server.

func init() {
	ledger.RegisterProjection("catalog", func() ledger.Projection {
		return &catalogReplay{products: map[int64]*replayedProduct{}, hidden: map[[2]int64]ledger.Touch{},
			kits: map[int64]kitState{}}
	})
}

type replayedProduct struct {
	base      int64
	p         ProductCreated
	createdAt int64
	last      ledger.Touch
}

type kitState struct {
	parts []KitPart
	last  ledger.Touch
}

type catalogReplay struct {
	products map[int64]*replayedProduct
	hidden   map[[2]int64]ledger.Touch // base, product → the event that hid it
	kits     map[int64]kitState
}

func (r *catalogReplay) Apply(e ledger.Event, p ledger.Payload) {
	if e.Entity != "product" {
		return
	}
	t := ledger.TouchOf(e)
	switch p := p.(type) {
	case ProductCreated:
		r.products[e.EntityID] = &replayedProduct{base: e.BaseID, p: p, createdAt: db.Micros(e.At), last: t}
	case ProductHidden:
		r.hidden[[2]int64{e.BaseID, e.EntityID}] = t
	case ProductShown:
		delete(r.hidden, [2]int64{e.BaseID, e.EntityID})
	case ProductKitSet:
		parts := slices.Clone(p.Components)
		slices.SortFunc(parts, func(a, b KitPart) int { return int(a.ProductID - b.ProductID) })
		r.kits[e.EntityID] = kitState{parts, t}
	}
}

func (r *catalogReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var ds ledger.Diffs
	seen := map[int64]bool{}
	err := ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var id, base, cat, sr, at int64
		var name, gender string
		var standard *int64
		if err := scan(&id, &base, &cat, &name, &gender, &sr, &standard, &at); err != nil {
			return err
		}
		seen[id] = true
		row := fmt.Sprintf("product %d (%s)", id, name)
		p := r.products[id]
		if p == nil {
			ds.Unexpected("products", row)
			return nil
		}
		col := func(c string, want, got any) { ds.Col("products", row, p.last, c, want, got) }
		col("base_id", p.base, base)
		col("category_id", p.p.CategoryID, cat)
		col("name", p.p.Name, name)
		col("gender", p.p.Gender, gender)
		col("size_range_id", p.p.SizeRangeID, sr)
		col("standard_id", (*int64)(nil), standard)
		col("created_at", p.createdAt, at)
		return nil
	}, "SELECT id, COALESCE(base_id, 0), category_id, name, gender, size_range_id, standard_id, created_at FROM products WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify products: %w", err)
	}
	for id, p := range r.products {
		if !seen[id] {
			ds.Missing("products", fmt.Sprintf("product %d (%s)", id, p.p.Name), p.last)
		}
	}
	hidden := map[[2]int64]bool{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var k [2]int64
		if err := scan(&k[0], &k[1]); err != nil {
			return err
		}
		hidden[k] = true
		if _, ok := r.hidden[k]; !ok {
			ds.Unexpected("products_hidden", fmt.Sprintf("base %d product %d", k[0], k[1]))
		}
		return nil
	}, "SELECT h.base_id, h.product_id FROM products_hidden h JOIN bases b ON b.id = h.base_id WHERE b.org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("verify hidden products: %w", err)
	}
	for k, t := range r.hidden {
		if !hidden[k] {
			ds.Missing("products_hidden", fmt.Sprintf("base %d product %d", k[0], k[1]), t)
		}
	}
	stored := map[int64][]KitPart{}
	err = ledger.ScanRows(ctx, q, func(scan func(...any) error) error {
		var kit int64
		var part KitPart
		if err := scan(&kit, &part.ProductID, &part.Quantity); err != nil {
			return err
		}
		stored[kit] = append(stored[kit], part)
		return nil
	}, `SELECT k.kit_id, k.component_id, k.quantity FROM kit_components k JOIN products p ON p.id = k.kit_id
		WHERE p.org_id = ? ORDER BY k.kit_id, k.component_id`, org)
	if err != nil {
		return nil, fmt.Errorf("verify kits: %w", err)
	}
	for kit, parts := range stored {
		if _, ok := r.kits[kit]; !ok {
			ds.Col("kit_components", fmt.Sprintf("kit %d", kit), ledger.Touch{}, "components", []KitPart(nil), parts)
		}
	}
	for kit, k := range r.kits {
		if _, own := r.products[kit]; !own {
			continue // a kit of a product that is not the organisation's own
		}
		want := k.parts
		if len(want) == 0 {
			want = nil
		}
		ds.Col("kit_components", fmt.Sprintf("kit %d", kit), k.last, "components", want, stored[kit])
	}
	return ds, nil
}
