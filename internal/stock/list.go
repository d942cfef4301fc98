package stock

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// boxQuery is a filtered read of the actor's boxes: its FROM and WHERE
// clauses, and the column that orders it (newest first) and that a cursor
// continues from.
type boxQuery struct {
	from  string
	conds []string
	args  []any
	order string
}

// sql is the query for up to limit boxes (the last argument).
func (q boxQuery) sql(cols string) string {
	return "SELECT " + cols + q.from + " WHERE " + strings.Join(q.conds, " AND ") + " ORDER BY " + q.order + " DESC LIMIT ?"
}

// query builds the read of the boxes the filter selects, which the list and
// the export share; joins adds the tables the columns need.
//
// Each filter uses a column of boxes with its own index ordered by id, so a
// page of a rare product, category, gender or location is read directly
// (category and gender are copied from the product into the box for this:
// looking them up through products made SQLite read every box of the base).
// A tag filter starts from the tag's boxes, newest first, for the same
// reason.
func (f Filter) query(actor access.Actor, joins string) (boxQuery, error) {
	q := boxQuery{from: " FROM boxes b" + joins, order: "b.id"}
	add := func(c string, a ...any) { q.conds = append(q.conds, c); q.args = append(q.args, a...) }
	if f.Tag != "" {
		q.from = " FROM box_tags bt JOIN tags t ON t.id = bt.tag_id JOIN boxes b ON b.id = bt.box_id" + joins
		q.order = "bt.box_id"
		add("t.org_id = ?", actor.OrgID)
		add("t.base_id = ?", actor.BaseID)
		add("t.name = ?", normaliseTag(f.Tag))
	}
	add("b.org_id = ?", actor.OrgID)
	add("b.base_id = ?", actor.BaseID)
	if f.ProductID != 0 {
		add("b.product_id = ?", f.ProductID)
	}
	if f.CategoryID != 0 {
		add("b.category_id = ?", f.CategoryID)
	}
	if f.Gender != "" {
		add("b.gender = ?", f.Gender)
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
				return q, err
			}
			ph[i] = "?"
			q.args = append(q.args, string(s))
		}
		q.conds = append(q.conds, "b.state IN ("+strings.Join(ph, ", ")+")")
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
			return q, apperr.New(apperr.Invalid, "stock.error.cursor_invalid").At("cursor")
		}
		add(q.order+" < ?", id)
	}
	return q, nil
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
		return Page{}, apperr.New(apperr.Invalid, "stock.error.limit_range", MaxLimit).At("limit")
	}
	q, err := f.query(actor, boxJoins)
	if err != nil {
		return Page{}, err
	}
	rows, err := s.DB.Query(ctx, q.sql(boxCols), append(q.args, limit+1)...)
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

// Count is how many boxes the filter selects, on every page together (its
// cursor and limit are ignored).
func (s *Service) Count(ctx context.Context, actor access.Actor, f Filter) (int64, error) {
	if err := actor.Require(access.ViewStock); err != nil {
		return 0, err
	}
	f.Cursor = ""
	q, err := f.query(actor, "")
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.DB.QueryRow(ctx, "SELECT COUNT(*)"+q.from+" WHERE "+strings.Join(q.conds, " AND "), q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count boxes: %w", err)
	}
	return n, nil
}

// Each calls fn for every box the filter selects, newest first, a page of
// 1000 at a time, so an export of 100,000 boxes streams in constant memory
// and holds no read open while fn writes. It reads the names of products and
// locations once and each page from the boxes alone: joining every row to
// its names, as List does for one page, made an export of 100,000 boxes take
// twice as long.
func (s *Service) Each(ctx context.Context, actor access.Actor, f Filter, fn func(Box) error) error {
	if err := actor.Require(access.ViewStock); err != nil {
		return err
	}
	nm, err := readNames(ctx, s.DB, actor)
	if err != nil {
		return err
	}
	page := make([]Box, 0, MaxLimit+1)
	for {
		q, err := f.query(actor, "")
		if err != nil {
			return err
		}
		rows, err := s.DB.Query(ctx, q.sql(`b.id, b.code, b.product_id, b.size, b.measure, b.items, b.location_id, b.state, b.expires_on,
			b.comment, COALESCE(b.donation_id, 0), b.version, b.created_at, b.updated_at`), append(q.args, MaxLimit+1)...)
		if err != nil {
			return fmt.Errorf("list boxes: %w", err)
		}
		page = page[:0]
		for rows.Next() {
			var b Box
			var created, updated int64
			if err := rows.Scan(&b.ID, &b.Code, &b.ProductID, &b.Size, &b.MeasureMil, &b.Items, &b.LocationID, &b.State, &b.ExpiresOn,
				&b.Comment, &b.DonationID, &b.Version, &created, &updated); err != nil {
				rows.Close()
				return fmt.Errorf("list boxes: %w", err)
			}
			b.CreatedAt, b.UpdatedAt = db.FromMicros(created), db.FromMicros(updated)
			nm.name(&b)
			page = append(page, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("list boxes: %w", err)
		}
		more := len(page) > MaxLimit
		if more {
			page = page[:MaxLimit]
		}
		ids := make([]int64, len(page))
		for i, b := range page {
			ids[i] = b.ID
		}
		tags, err := tagsOf(ctx, s.DB, ids)
		if err != nil {
			return err
		}
		for _, b := range page {
			b.Tags = tags[b.ID]
			if err := fn(b); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		f.Cursor = strconv.FormatInt(page[len(page)-1].ID, 36)
	}
}

// OverviewRow is one line of the stock overview: how many boxes and items of
// one product in one size sit at one location.
type OverviewRow struct {
	CategoryID   int64
	CategoryName string
	ProductID    int64
	ProductName  string
	Standard     bool // the product is from the standard catalogue
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
	conds := []string{"org_id = ?", "base_id = ?"}
	args := []any{actor.OrgID, actor.BaseID}
	ph := make([]string, len(states))
	for i, st := range states {
		if _, err := ParseState(string(st)); err != nil {
			return nil, err
		}
		ph[i] = "?"
		args = append(args, string(st))
	}
	conds = append(conds, "state IN ("+strings.Join(ph, ", ")+")")
	// Read the kept totals (see totals.go), then name and sort the groups
	// here: at 14,000 groups, joining them to their names and sorting them
	// in the database took longer than reading them.
	q := `SELECT product_id, size, location_id, SUM(boxes), SUM(items), SUM(measure) FROM stock_totals
		WHERE ` + strings.Join(conds, " AND ") + ` GROUP BY product_id, size, location_id HAVING SUM(boxes) > 0`
	nm, err := readNames(ctx, s.DB, actor)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("stock overview: %w", err)
	}
	type keyed struct {
		OverviewRow
		sizePos, locPos int64
		rangeID         int64
	}
	var ks []keyed
	for rows.Next() {
		var k keyed
		r := &k.OverviewRow
		if err := rows.Scan(&r.ProductID, &r.Size, &r.LocationID, &r.Boxes, &r.Items, &r.MeasureMil); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stock overview: %w", err)
		}
		p, l := nm.products[r.ProductID], nm.locations[r.LocationID]
		r.CategoryID, r.CategoryName, r.ProductName, r.Gender, r.Measure = p.categoryID, p.category, p.name, p.gender, p.measure
		r.Standard = p.standard
		r.LocationName, k.locPos, k.rangeID = l.name, l.position, p.sizeRangeID
		ks = append(ks, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stock overview: %w", err)
	}
	sizePos, err := sizePositions(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	for i := range ks {
		ks[i].sizePos = sizePos[sizeKey{ks[i].rangeID, ks[i].Size}]
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		// Compared one by one, not with cmp.Or, which would compare every
		// field of 14,000 rows each time.
		if c := strings.Compare(a.CategoryName, b.CategoryName); c != 0 {
			return c
		}
		if c := strings.Compare(a.ProductName, b.ProductName); c != 0 {
			return c
		}
		if c := strings.Compare(a.Gender, b.Gender); c != 0 {
			return c
		}
		if c := cmp.Compare(a.sizePos, b.sizePos); c != 0 {
			return c
		}
		if c := strings.Compare(a.Size, b.Size); c != 0 {
			return c
		}
		if c := cmp.Compare(a.locPos, b.locPos); c != 0 {
			return c
		}
		if c := strings.Compare(a.LocationName, b.LocationName); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ProductID, b.ProductID); c != 0 {
			return c
		}
		return cmp.Compare(a.LocationID, b.LocationID)
	})
	out := make([]OverviewRow, len(ks))
	for i, k := range ks {
		out[i] = k.OverviewRow
	}
	return out, nil
}

type sizeKey struct {
	rangeID int64
	label   string
}

// sizePositions reads where each size comes in its range (a few hundred
// rows), so that S comes before M and L.
func sizePositions(ctx context.Context, q db.Queryer) (map[sizeKey]int64, error) {
	rows, err := q.Query(ctx, "SELECT range_id, label, position FROM sizes")
	if err != nil {
		return nil, fmt.Errorf("read sizes: %w", err)
	}
	defer rows.Close()
	m := map[sizeKey]int64{}
	for rows.Next() {
		var k sizeKey
		var pos int64
		if err := rows.Scan(&k.rangeID, &k.label, &pos); err != nil {
			return nil, fmt.Errorf("read sizes: %w", err)
		}
		m[k] = pos
	}
	return m, rows.Err()
}
