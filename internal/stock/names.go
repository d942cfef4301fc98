package stock

import (
	"context"
	"fmt"

	"abri/internal/access"
	"abri/internal/db"
)

// names holds what boxes refer to by id in the actor's base: products with
// their category and measure, and locations. Reading them once (a few
// hundred rows) and naming many boxes in Go is much cheaper than joining
// every box row to four tables: the overview and the export use it.
type names struct {
	products  map[int64]productNames
	locations map[int64]locationNames
}

type productNames struct {
	name, gender, category, measure string
	categoryID, sizeRangeID         int64
	standard                        bool
}

type locationNames struct {
	name     string
	position int64
}

func readNames(ctx context.Context, q db.Queryer, actor access.Actor) (names, error) {
	n := names{products: map[int64]productNames{}, locations: map[int64]locationNames{}}
	rows, err := q.Query(ctx, `SELECT p.id, p.name, p.gender, p.category_id, c.name, r.measure, p.size_range_id, p.base_id IS NULL
		FROM products p JOIN categories c ON c.id = p.category_id JOIN size_ranges r ON r.id = p.size_range_id
		WHERE p.base_id IS NULL OR (p.org_id = ? AND p.base_id = ?)`, actor.OrgID, actor.BaseID)
	if err != nil {
		return n, fmt.Errorf("read product names: %w", err)
	}
	for rows.Next() {
		var id int64
		var p productNames
		if err := rows.Scan(&id, &p.name, &p.gender, &p.categoryID, &p.category, &p.measure, &p.sizeRangeID, &p.standard); err != nil {
			rows.Close()
			return n, fmt.Errorf("read product names: %w", err)
		}
		n.products[id] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read product names: %w", err)
	}
	rows, err = q.Query(ctx, "SELECT id, name, position FROM locations WHERE org_id = ? AND base_id = ?", actor.OrgID, actor.BaseID)
	if err != nil {
		return n, fmt.Errorf("read location names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l locationNames
		if err := rows.Scan(&id, &l.name, &l.position); err != nil {
			return n, fmt.Errorf("read location names: %w", err)
		}
		n.locations[id] = l
	}
	return n, rows.Err()
}

// name fills in the names of a box read without joins.
func (n names) name(b *Box) {
	p := n.products[b.ProductID]
	b.ProductName, b.Gender, b.CategoryID, b.CategoryName, b.Measure, b.SizeRangeID = p.name, p.gender, p.categoryID, p.category, p.measure, p.sizeRangeID
	b.Standard = p.standard
	b.LocationName = n.locations[b.LocationID].name
}
