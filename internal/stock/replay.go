package stock

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The warehouse's projection for `abri verify`: it rebuilds every box and
// the stock totals from the box events and compares them with the rows.
// What the events cannot prove (docs/ledger.md): a comment's text (only
// whether there is one, and since a change of comment only that it
// changed), tag names, and the product's category and gender copied into a
// box (checked against the product instead).

func init() {
	ledger.RegisterProjection("stock", func() ledger.Projection {
		return &boxReplay{boxes: map[int64]*replayedBox{}, totals: map[totalKey]ledger.Touch{}}
	})
}

type replayedBox struct {
	base, product, location, donation int64
	code, size, expires               string
	measure, items, version           int64
	state                             State
	comment                           int8 // 0 unknown, 1 empty, 2 set
	createdBy, createdAt, updatedAt   int64
	tags                              []int64 // sorted
	last                              ledger.Touch
}

type boxReplay struct {
	boxes  map[int64]*replayedBox
	totals map[totalKey]ledger.Touch // the last event that moved a box into or out of a group
	orphan []ledger.Event            // changes of boxes never created
}

func (r *boxReplay) key(b *replayedBox, org int64) totalKey {
	return totalKey{org, b.base, b.product, b.size, b.location, b.state}
}

func (r *boxReplay) Apply(e ledger.Event, p ledger.Payload) {
	if e.Entity != "box" {
		return
	}
	t := ledger.TouchOf(e)
	if c, ok := p.(BoxCreated); ok {
		b := &replayedBox{base: e.BaseID, product: c.ProductID, location: c.LocationID, donation: c.DonationID,
			code: c.Code, size: c.Size, expires: c.ExpiresOn, measure: c.Measure, items: c.Items, version: 1,
			state: c.State, comment: 1, createdBy: e.ActorID, createdAt: db.Micros(e.At), updatedAt: db.Micros(e.At),
			tags: sortedIDs(c.TagIDs), last: t}
		if c.CommentSet {
			b.comment = 2
		}
		r.boxes[e.EntityID] = b
		r.totals[r.key(b, e.OrgID)] = t
		return
	}
	c, ok := boxChangeOf(p)
	if !ok {
		return
	}
	b := r.boxes[e.EntityID]
	if b == nil {
		r.orphan = append(r.orphan, e)
		return
	}
	r.totals[r.key(b, e.OrgID)] = t
	if d := c.LocationID; d != nil {
		b.location = d.To
	}
	if d := c.State; d != nil {
		b.state = d.To
	}
	if d := c.Items; d != nil {
		b.items = d.To
	}
	if d := c.Size; d != nil {
		b.size = d.To
	}
	if d := c.Measure; d != nil {
		b.measure = d.To
	}
	if d := c.ExpiresOn; d != nil {
		b.expires = d.To
	}
	if d := c.TagIDs; d != nil {
		b.tags = sortedIDs(d.To)
	}
	if c.CommentChanged {
		b.comment = 0
		if c.CommentSet != nil {
			b.comment = 1
			if *c.CommentSet {
				b.comment = 2
			}
		}
	}
	b.version++
	b.updatedAt = db.Micros(e.At)
	b.last = t
	r.totals[r.key(b, e.OrgID)] = t
}

func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func (r *boxReplay) Compare(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	var out []ledger.Difference
	for _, e := range r.orphan {
		out = append(out, ledger.Difference{Table: "boxes", Row: "box " + strconv.FormatInt(e.EntityID, 10),
			Ledger: "a change of a box it never created", Stored: "-", Last: ledger.TouchOf(e)})
	}
	tags, err := storedTags(ctx, q, org)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, base_id, code, product_id, size, measure, items, location_id, state, expires_on,
		CASE WHEN comment = '' THEN 1 ELSE 2 END, COALESCE(donation_id, 0), version, created_by, created_at, updated_at
		FROM boxes WHERE org_id = ? ORDER BY id`, org)
	if err != nil {
		return nil, fmt.Errorf("verify boxes: %w", err)
	}
	defer rows.Close()
	seen := make(map[int64]bool, len(r.boxes))
	var s replayedBox
	for rows.Next() {
		var id int64
		var comment int64
		if err := rows.Scan(&id, &s.base, &s.code, &s.product, &s.size, &s.measure, &s.items, &s.location, &s.state, &s.expires,
			&comment, &s.donation, &s.version, &s.createdBy, &s.createdAt, &s.updatedAt); err != nil {
			return nil, fmt.Errorf("verify boxes: %w", err)
		}
		s.comment = int8(comment)
		s.tags = tags[id]
		seen[id] = true
		name := "box " + strconv.FormatInt(id, 10) + " (" + FormatCode(s.code) + ")"
		b := r.boxes[id]
		if b == nil {
			out = append(out, ledger.Difference{Table: "boxes", Row: name, Ledger: "no such box", Stored: "a box"})
			continue
		}
		out = append(out, compareBox(name, b, &s)...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify boxes: %w", err)
	}
	for id, b := range r.boxes {
		if !seen[id] {
			out = append(out, ledger.Difference{Table: "boxes", Row: "box " + strconv.FormatInt(id, 10) + " (" + FormatCode(b.code) + ")",
				Ledger: "a box", Stored: "no such box", Last: b.last})
		}
	}
	// The copies of the product's category and gender.
	copies, err := q.Query(ctx, `SELECT b.id, b.code FROM boxes b JOIN products p ON p.id = b.product_id
		WHERE b.org_id = ? AND (b.category_id <> p.category_id OR b.gender <> p.gender) ORDER BY b.id`, org)
	if err != nil {
		return nil, fmt.Errorf("verify boxes: %w", err)
	}
	defer copies.Close()
	for copies.Next() {
		var id int64
		var code string
		if err := copies.Scan(&id, &code); err != nil {
			return nil, fmt.Errorf("verify boxes: %w", err)
		}
		var last ledger.Touch
		if b := r.boxes[id]; b != nil {
			last = b.last
		}
		out = append(out, ledger.Difference{Table: "boxes", Row: "box " + strconv.FormatInt(id, 10) + " (" + FormatCode(code) + ")",
			Column: "category_id, gender", Ledger: "the product's", Stored: "others", Last: last})
	}
	if err := copies.Err(); err != nil {
		return nil, fmt.Errorf("verify boxes: %w", err)
	}
	totals, err := r.compareTotals(ctx, q, org)
	return append(out, totals...), err
}

func compareBox(name string, b, s *replayedBox) []ledger.Difference {
	var out []ledger.Difference
	diff := func(col, want, got string) {
		if want != got {
			out = append(out, ledger.Difference{Table: "boxes", Row: name, Column: col, Ledger: want, Stored: got, Last: b.last})
		}
	}
	num := func(v int64) string { return strconv.FormatInt(v, 10) }
	diff("base_id", num(b.base), num(s.base))
	diff("code", b.code, s.code)
	diff("product_id", num(b.product), num(s.product))
	diff("size", strconv.Quote(b.size), strconv.Quote(s.size))
	diff("measure", num(b.measure), num(s.measure))
	diff("items", num(b.items), num(s.items))
	diff("location_id", num(b.location), num(s.location))
	diff("state", string(b.state), string(s.state))
	diff("expires_on", strconv.Quote(b.expires), strconv.Quote(s.expires))
	if b.comment != 0 {
		show := func(c int8) string { return map[int8]string{1: "no comment", 2: "a comment"}[c] }
		diff("comment", show(b.comment), show(s.comment))
	}
	diff("donation_id", num(b.donation), num(s.donation))
	diff("version", num(b.version), num(s.version))
	diff("created_by", num(b.createdBy), num(s.createdBy))
	diff("created_at", num(b.createdAt), num(s.createdAt))
	diff("updated_at", num(b.updatedAt), num(s.updatedAt))
	diff("tags", fmt.Sprint(b.tags), fmt.Sprint(s.tags))
	return out
}

// storedTags reads the tag ids of an organisation's boxes, sorted.
func storedTags(ctx context.Context, q ledger.Reader, org int64) (map[int64][]int64, error) {
	rows, err := q.Query(ctx, `SELECT bt.box_id, bt.tag_id FROM box_tags bt JOIN boxes b ON b.id = bt.box_id
		WHERE b.org_id = ? ORDER BY bt.box_id, bt.tag_id`, org)
	if err != nil {
		return nil, fmt.Errorf("verify box tags: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var box, tag int64
		if err := rows.Scan(&box, &tag); err != nil {
			return nil, fmt.Errorf("verify box tags: %w", err)
		}
		out[box] = append(out[box], tag)
	}
	return out, rows.Err()
}

type totalSum struct{ boxes, items, measure int64 }

// compareTotals sums the replayed boxes per group and compares the sums
// with stock_totals. A group every box has left keeps a row of zeros.
func (r *boxReplay) compareTotals(ctx context.Context, q ledger.Reader, org int64) ([]ledger.Difference, error) {
	want := map[totalKey]totalSum{}
	for _, b := range r.boxes {
		k := r.key(b, org)
		s := want[k]
		s.boxes++
		s.items += b.items
		s.measure += b.measure
		want[k] = s
	}
	rows, err := q.Query(ctx, `SELECT base_id, product_id, size, location_id, state, boxes, items, measure
		FROM stock_totals WHERE org_id = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("verify stock totals: %w", err)
	}
	defer rows.Close()
	var out []ledger.Difference
	show := func(s totalSum) string {
		return fmt.Sprintf("%d boxes, %d items, measure %d", s.boxes, s.items, s.measure)
	}
	name := func(k totalKey) string {
		return fmt.Sprintf("base %d product %d size %q location %d state %s", k.baseID, k.productID, k.size, k.locationID, k.state)
	}
	seen := map[totalKey]bool{}
	for rows.Next() {
		k := totalKey{orgID: org}
		var got totalSum
		if err := rows.Scan(&k.baseID, &k.productID, &k.size, &k.locationID, &k.state, &got.boxes, &got.items, &got.measure); err != nil {
			return nil, fmt.Errorf("verify stock totals: %w", err)
		}
		seen[k] = true
		if w := want[k]; w != got {
			out = append(out, ledger.Difference{Table: "stock_totals", Row: name(k), Ledger: show(w), Stored: show(got), Last: r.totals[k]})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify stock totals: %w", err)
	}
	for k, w := range want {
		if !seen[k] {
			out = append(out, ledger.Difference{Table: "stock_totals", Row: name(k), Ledger: show(w), Stored: "no row", Last: r.totals[k]})
		}
	}
	return out, nil
}
