package stock

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"abri/internal/access"
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

// History returns the box's changes, oldest first.
func (s *Service) History(ctx context.Context, actor access.Actor, code string) (Box, []HistoryEntry, error) {
	b, err := s.Box(ctx, actor, code)
	if err != nil {
		return b, nil, err
	}
	events, err := ledger.History(ctx, s.DB, actor.OrgID, "box", b.ID, 1000)
	if err != nil {
		return b, nil, err
	}
	names, err := s.namesFor(ctx, actor, events)
	if err != nil {
		return b, nil, err
	}
	out := make([]HistoryEntry, 0, len(events))
	for _, e := range events {
		h := HistoryEntry{At: e.At, Kind: e.Kind, ActorName: names.users[e.ActorID]}
		var p map[string]json.RawMessage
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return b, nil, fmt.Errorf("box history: event %d: %w", e.Seq, err)
		}
		fields := make([]string, 0, len(p))
		for f := range p {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			raw := p[f]
			var ft struct {
				From json.RawMessage `json:"from"`
				To   json.RawMessage `json:"to"`
			}
			isChange := json.Unmarshal(raw, &ft) == nil && ft.To != nil
			show := func(field string, v json.RawMessage) string { return names.show(field, v) }
			switch {
			case f == "code":
				continue
			case f == "comment_changed" || f == "comment_set":
				h.Changes = append(h.Changes, FieldChange{Field: "comment"})
			case isChange:
				h.Changes = append(h.Changes, FieldChange{Field: fieldName(f), From: show(f, ft.From), To: show(f, ft.To)})
			default: // a created box's initial value
				h.Changes = append(h.Changes, FieldChange{Field: fieldName(f), To: show(f, raw)})
			}
		}
		out = append(out, h)
	}
	return b, out, nil
}

func fieldName(f string) string {
	switch f {
	case "location_id":
		return "location"
	case "product_id":
		return "product"
	case "donation_id":
		return "donation"
	case "tag_ids":
		return "tags"
	}
	return f
}

type historyNames struct {
	users     map[int64]string
	locations map[int64]string
	products  map[int64]string
	tags      map[int64]string
}

func (n historyNames) show(field string, v json.RawMessage) string {
	var id int64
	switch field {
	case "location_id", "product_id":
		if json.Unmarshal(v, &id) != nil {
			return ""
		}
		if field == "location_id" {
			return n.locations[id]
		}
		return n.products[id]
	case "measure":
		var mil int64
		if json.Unmarshal(v, &mil) == nil {
			return fmt.Sprintf("%g", float64(mil)/1000)
		}
	case "tag_ids":
		var ids []int64
		if json.Unmarshal(v, &ids) == nil {
			names := make([]string, 0, len(ids))
			for _, id := range ids {
				if name, ok := n.tags[id]; ok {
					names = append(names, name)
				}
			}
			sort.Strings(names)
			return strings.Join(names, ", ")
		}
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// namesFor reads, in four queries, the names of the users, locations,
// products and tags a box's events mention, within the actor's organisation.
func (s *Service) namesFor(ctx context.Context, actor access.Actor, events []ledger.Event) (historyNames, error) {
	n := historyNames{users: map[int64]string{}, locations: map[int64]string{}, products: map[int64]string{}, tags: map[int64]string{}}
	users, locs, prods, tags := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, e := range events {
		users[e.ActorID] = true
		var p map[string]json.RawMessage
		if json.Unmarshal(e.Payload, &p) != nil {
			continue
		}
		collect := func(raw json.RawMessage, into map[int64]bool) {
			var id int64
			if json.Unmarshal(raw, &id) == nil {
				into[id] = true
				return
			}
			var ft struct{ From, To int64 }
			if json.Unmarshal(raw, &ft) == nil {
				into[ft.From], into[ft.To] = true, true
			}
		}
		if raw, ok := p["location_id"]; ok {
			collect(raw, locs)
		}
		if raw, ok := p["product_id"]; ok {
			collect(raw, prods)
		}
		if raw, ok := p["tag_ids"]; ok {
			var ids []int64
			var ft struct{ From, To []int64 }
			if json.Unmarshal(raw, &ids) != nil && json.Unmarshal(raw, &ft) == nil {
				ids = append(ft.From, ft.To...)
			}
			for _, id := range ids {
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
