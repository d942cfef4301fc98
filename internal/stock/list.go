package stock

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
)

// Filter narrows the box list. Zero values mean "any".
type Filter struct {
	ProductID   int64
	CategoryID  int64
	Gender      string
	Size        string
	LocationID  int64
	States      []State
	Tag         string
	CreatedFrom time.Time // inclusive
	CreatedTo   time.Time // exclusive
	Cursor      string    // from a previous page's NextCursor
	Limit       int       // 1…1000; 0 means 50
}

// Page is one page of the box list, newest first.
type Page struct {
	Boxes      []Box
	NextCursor string // "" on the last page
}

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// where builds the filter's conditions; the list and the export share it.
func (f Filter) where(actor access.Actor) ([]string, []any, error) {
	conds := []string{"b.org_id = ?", "b.base_id = ?"}
	args := []any{actor.OrgID, actor.BaseID}
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.ProductID != 0 {
		add("b.product_id = ?", f.ProductID)
	}
	if f.CategoryID != 0 {
		add("p.category_id = ?", f.CategoryID)
	}
	if f.Gender != "" {
		add("p.gender = ?", f.Gender)
	}
	if f.Size != "" {
		add("b.size = ?", f.Size)
	}
	if f.LocationID != 0 {
		add("b.location_id = ?", f.LocationID)
	}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, s := range f.States {
			if _, err := ParseState(string(s)); err != nil {
				return nil, nil, err
			}
			ph[i] = "?"
			args = append(args, string(s))
		}
		conds = append(conds, "b.state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Tag != "" {
		add("EXISTS (SELECT 1 FROM box_tags bt JOIN tags t ON t.id = bt.tag_id WHERE bt.box_id = b.id AND t.name = ?)", strings.ToLower(strings.TrimSpace(f.Tag)))
	}
	if !f.CreatedFrom.IsZero() {
		add("b.created_at >= ?", db.Micros(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("b.created_at < ?", db.Micros(f.CreatedTo))
	}
	if f.Cursor != "" {
		id, err := strconv.ParseInt(f.Cursor, 36, 64)
		if err != nil || id <= 0 {
			return nil, nil, apperr.New(apperr.Invalid, "stock.error.cursor_invalid")
		}
		add("b.id < ?", id)
	}
	return conds, args, nil
}

// List returns one page of the actor's base's boxes: one query for the boxes,
// one for their tags.
func (s *Service) List(ctx context.Context, actor access.Actor, f Filter) (Page, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return Page{}, err
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return Page{}, apperr.New(apperr.Invalid, "stock.error.limit_range", MaxLimit)
	}
	conds, args, err := f.where(actor)
	if err != nil {
		return Page{}, err
	}
	args = append(args, limit+1)
	rows, err := s.DB.Query(ctx, "SELECT "+boxCols+boxFrom+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY b.id DESC LIMIT ?", args...)
	if err != nil {
		return Page{}, fmt.Errorf("list boxes: %w", err)
	}
	var page Page
	for rows.Next() {
		b, err := scanBox(rows)
		if err != nil {
			rows.Close()
			return Page{}, fmt.Errorf("list boxes: %w", err)
		}
		page.Boxes = append(page.Boxes, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list boxes: %w", err)
	}
	if len(page.Boxes) > limit {
		page.Boxes = page.Boxes[:limit]
		page.NextCursor = strconv.FormatInt(page.Boxes[limit-1].ID, 36)
	}
	ids := make([]int64, len(page.Boxes))
	for i, b := range page.Boxes {
		ids[i] = b.ID
	}
	tags, err := tagsOf(ctx, s.DB, ids)
	if err != nil {
		return Page{}, err
	}
	for i := range page.Boxes {
		page.Boxes[i].Tags = tags[page.Boxes[i].ID]
	}
	return page, nil
}

// Each calls fn for every box the filter selects, newest first, a page of
// 1000 at a time, so an export of 100,000 boxes streams in constant memory.
func (s *Service) Each(ctx context.Context, actor access.Actor, f Filter, fn func(Box) error) error {
	f.Limit = MaxLimit
	for {
		page, err := s.List(ctx, actor, f)
		if err != nil {
			return err
		}
		for _, b := range page.Boxes {
			if err := fn(b); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		f.Cursor = page.NextCursor
	}
}

// OverviewRow is one line of the stock overview: how many boxes and items of
// one product in one size sit at one location.
type OverviewRow struct {
	CategoryID   int64
	CategoryName string
	ProductID    int64
	ProductName  string
	Gender       string
	Measure      string
	Size         string
	LocationID   int64
	LocationName string
	Boxes        int64
	Items        int64
	MeasureMil   int64
}

// Overview sums the boxes in the given states (default: those in the
// warehouse) by category, product, size and location, in that order.
func (s *Service) Overview(ctx context.Context, actor access.Actor, states []State) ([]OverviewRow, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return nil, err
	}
	if len(states) == 0 {
		states = InWarehouse
	}
	f := Filter{States: states}
	conds, args, err := f.where(actor)
	if err != nil {
		return nil, err
	}
	// Sum per product, size and location from the index alone, then name them.
	q := `SELECT c.id, c.name, p.id, p.name, p.gender, r.measure, g.size, l.id, l.name, g.boxes, g.items, g.measure
		FROM (SELECT b.product_id, b.size, b.location_id, COUNT(*) AS boxes, SUM(b.items) AS items, SUM(b.measure) AS measure
		      FROM boxes b WHERE ` + strings.Join(conds, " AND ") + `
		      GROUP BY b.product_id, b.size, b.location_id) g
		JOIN products p ON p.id = g.product_id
		JOIN categories c ON c.id = p.category_id
		JOIN size_ranges r ON r.id = p.size_range_id
		JOIN locations l ON l.id = g.location_id
		LEFT JOIN sizes z ON z.range_id = p.size_range_id AND z.label = g.size
		ORDER BY c.name, p.name, p.gender, COALESCE(z.position, 0), g.size, l.position, l.name`
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("stock overview: %w", err)
	}
	defer rows.Close()
	var out []OverviewRow
	for rows.Next() {
		var r OverviewRow
		if err := rows.Scan(&r.CategoryID, &r.CategoryName, &r.ProductID, &r.ProductName, &r.Gender, &r.Measure, &r.Size,
			&r.LocationID, &r.LocationName, &r.Boxes, &r.Items, &r.MeasureMil); err != nil {
			return nil, fmt.Errorf("stock overview: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
