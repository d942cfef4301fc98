package stock

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/ledger"
)

// HistoryEntry is one change of a box, read from the ledger, with the names
// of the people and places it refers to.
type HistoryEntry struct {
	At        time.Time
	Kind      string // box.created, box.moved, box.state_changed, box.updated
	ActorName string
	Changes   []FieldChange
}

// FieldChange is one field's old and new value, ready to show.
type FieldChange struct {
	Field string // location, state, items, size, measure, expires_on, tags, comment, product, code
	From  string
	To    string
}

// HistoryQuery asks for one page of a box's history.
type HistoryQuery struct {
	Cursor      string // from a previous page's NextCursor
	Limit       int    // 1…MaxLimit; 0 means DefaultHistory
	NewestFirst bool   // the box page shows the latest changes first
}

// HistoryPage is one page of a box's changes, in the order asked for.
type HistoryPage struct {
	Box        Box
	Entries    []HistoryEntry
	NextCursor string // "" on the last page
}

// DefaultHistory is a history page's length when none is asked for.
const DefaultHistory = 100

// History returns one page of the box's changes, oldest first unless asked
// otherwise; NextCursor continues where the page ends, so a box changed
// thousands of times is read to its end one page at a time.
func (s *Service) History(ctx context.Context, actor access.Actor, code string, hq HistoryQuery) (HistoryPage, error) {
	limit := hq.Limit
	switch {
	case limit == 0:
		limit = DefaultHistory
	case limit < 0 || limit > MaxLimit:
		return HistoryPage{}, apperr.New(apperr.Invalid, "stock.error.limit_range", MaxLimit).At("limit")
	}
	var from int64
	if hq.Cursor != "" {
		seq, err := strconv.ParseInt(hq.Cursor, 36, 64)
		if err != nil || seq <= 0 {
			return HistoryPage{}, apperr.New(apperr.Invalid, "stock.error.cursor_invalid").At("cursor")
		}
		from = seq
	}
	b, err := s.Box(ctx, actor, code)
	if err != nil {
		return HistoryPage{}, err
	}
	page := HistoryPage{Box: b}
	events, err := ledger.Events(ctx, s.DB, actor.OrgID, "box", b.ID, from, limit+1, hq.NewestFirst)
	if err != nil {
		return HistoryPage{}, err
	}
	if len(events) > limit {
		events = events[:limit]
		page.NextCursor = strconv.FormatInt(events[limit-1].Seq, 36)
	}
	names, err := s.namesFor(ctx, actor, events)
	if err != nil {
		return HistoryPage{}, err
	}
	page.Entries = make([]HistoryEntry, 0, len(events))
	for _, e := range events {
		h := HistoryEntry{At: e.At, Kind: e.Kind, ActorName: names.users[e.ActorID]}
		p, err := e.Decode()
		if err != nil {
			return HistoryPage{}, fmt.Errorf("box history: %w", err)
		}
		h.Changes = names.changes(p)
		page.Entries = append(page.Entries, h)
	}
	return page, nil
}

// changes lists what a box event set or changed, field by field in
// alphabetical order, with names for ids.
func (n historyNames) changes(p ledger.Payload) []FieldChange {
	var out []FieldChange
	num := func(v int64) string { return strconv.FormatInt(v, 10) }
	if c, ok := p.(BoxCreated); ok {
		set := func(field, v string) { out = append(out, FieldChange{Field: field, To: v}) }
		if c.CommentSet {
			out = append(out, FieldChange{Field: "comment"})
		}
		if c.DonationID != 0 {
			set("donation", num(c.DonationID))
		}
		if c.ExpiresOn != "" {
			set("expires_on", c.ExpiresOn)
		}
		set("items", num(c.Items))
		set("location", n.locations[c.LocationID])
		if c.Measure != 0 {
			set("measure", milString(c.Measure))
		}
		set("product", n.products[c.ProductID])
		if c.Size != "" {
			set("size", c.Size)
		}
		set("state", string(c.State))
		if len(c.TagIDs) > 0 {
			set("tags", n.tagNames(c.TagIDs))
		}
		return out
	}
	c, ok := boxChangeOf(p)
	if !ok {
		return nil
	}
	change := func(field, from, to string) { out = append(out, FieldChange{Field: field, From: from, To: to}) }
	if c.CommentChanged {
		out = append(out, FieldChange{Field: "comment"})
	}
	if d := c.ExpiresOn; d != nil {
		change("expires_on", d.From, d.To)
	}
	if d := c.Items; d != nil {
		change("items", num(d.From), num(d.To))
	}
	if d := c.LocationID; d != nil {
		change("location", n.locations[d.From], n.locations[d.To])
	}
	if d := c.Measure; d != nil {
		change("measure", milString(d.From), milString(d.To))
	}
	if d := c.Size; d != nil {
		change("size", d.From, d.To)
	}
	if d := c.State; d != nil {
		change("state", string(d.From), string(d.To))
	}
	if d := c.TagIDs; d != nil {
		change("tags", n.tagNames(d.From), n.tagNames(d.To))
	}
	return out
}

// milString shows thousandths of the base unit in the base unit.
func milString(mil int64) string { return fmt.Sprintf("%g", float64(mil)/1000) }

type historyNames struct {
	users     map[int64]string
	locations map[int64]string
	products  map[int64]string
	tags      map[int64]string
}

func (n historyNames) tagNames(ids []int64) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if name, ok := n.tags[id]; ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// namesFor reads, in four queries, the names of the users, locations,
// products and tags a box's events mention, within the actor's organisation.
func (s *Service) namesFor(ctx context.Context, actor access.Actor, events []ledger.Event) (historyNames, error) {
	n := historyNames{users: map[int64]string{}, locations: map[int64]string{}, products: map[int64]string{}, tags: map[int64]string{}}
	users, locs, prods, tags := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, e := range events {
		users[e.ActorID] = true
		p, err := e.Decode()
		if err != nil {
			continue // History reports it
		}
		if c, ok := p.(BoxCreated); ok {
			locs[c.LocationID], prods[c.ProductID] = true, true
			for _, id := range c.TagIDs {
				tags[id] = true
			}
			continue
		}
		c, _ := boxChangeOf(p)
		if d := c.LocationID; d != nil {
			locs[d.From], locs[d.To] = true, true
		}
		if d := c.TagIDs; d != nil {
			for _, id := range append(slices.Clone(d.From), d.To...) {
				tags[id] = true
			}
		}
	}
	read := func(q string, ids map[int64]bool, into map[int64]string, scope ...any) error {
		if len(ids) == 0 {
			return nil
		}
		args := append([]any{}, scope...)
		for id := range ids {
			args = append(args, id)
		}
		rows, err := s.DB.Query(ctx, q+" IN ("+placeholders(len(ids))+")", args...)
		if err != nil {
			return fmt.Errorf("box history names: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			into[id] = name
		}
		return rows.Err()
	}
	if err := read("SELECT id, display_name FROM users WHERE org_id = ? AND id", users, n.users, actor.OrgID); err != nil {
		return n, err
	}
	if err := read("SELECT id, name FROM locations WHERE org_id = ? AND id", locs, n.locations, actor.OrgID); err != nil {
		return n, err
	}
	if err := read("SELECT id, name FROM products WHERE (org_id IS NULL OR org_id = ?) AND id", prods, n.products, actor.OrgID); err != nil {
		return n, err
	}
	if err := read("SELECT id, name FROM tags WHERE org_id = ? AND id", tags, n.tags, actor.OrgID); err != nil {
		return n, err
	}
	return n, nil
}
