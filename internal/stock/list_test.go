package stock_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/stock"
)

// stocked fills base 1 with 61 varied boxes, one an hour, and returns them
// as they are now, oldest first. Another base and another organisation get
// boxes too, which no list of base 1 may show.
func (w *world) stocked() []stock.Box {
	w.t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	sizes := []string{"S", "M", "L", "XL"}
	locs := []int64{w.shelf1.ID, w.shelf2.ID}
	var out []stock.Box
	for i := 0; i < 61; i++ {
		w.clk.Advance(time.Hour)
		nb := stock.NewBox{Items: int64(1 + rng.IntN(30)), LocationID: locs[rng.IntN(2)]}
		switch i % 3 {
		case 0:
			nb.ProductID, nb.Size = w.jacket.ID, sizes[rng.IntN(len(sizes))]
		case 1:
			nb.ProductID, nb.Size = w.tent.ID, "Mixed"
		case 2:
			nb.ProductID, nb.Quantity, nb.ExpiresOn = w.soap.ID, float64(1+rng.IntN(20))/2, "2027-06-30"
		}
		if rng.IntN(3) == 0 {
			nb.Tags = []string{"Winter"}
		}
		if i%10 == 9 {
			nb.Tags = append(nb.Tags, "urgent")
		}
		if i%20 == 19 {
			nb.Tags = append(nb.Tags, "Very  urgent")
		}
		if i%15 == 7 {
			nb.ProductID, nb.Size, nb.Quantity, nb.ExpiresOn = w.womens.ID, "S", 0, ""
		}
		b, err := w.s.CreateBox(ctx, w.wh, nb)
		w.must(err)
		switch rng.IntN(6) {
		case 0:
			b.State = stock.Reserved
		case 1:
			b.State = stock.HandedOut
		case 2:
			b.State = stock.Scrap
		}
		if b.State != stock.InStock {
			res, err := w.s.SetState(ctx, w.wh, []string{b.Code}, b.State)
			w.must(err)
			if res.Changed() != 1 {
				w.t.Fatalf("set state %s: %v", b.State, res.Outcomes)
			}
		}
		b, err = w.s.Box(ctx, w.wh, b.Code)
		w.must(err)
		out = append(out, b)
	}
	if _, err := w.s.CreateBox(ctx, w.base2, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 9, LocationID: w.base2Shelf.ID, Tags: []string{"winter"}}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.s.CreateBox(ctx, w.foreign, stock.NewBox{ProductID: w.jacket.ID, Size: "M", Items: 9, LocationID: w.foreignShelf.ID, Tags: []string{"winter"}}); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// walk reads every page of a filtered list and checks each page's shape.
func (w *world) walk(f stock.Filter) ([]stock.Box, int) {
	w.t.Helper()
	var all []stock.Box
	pages := 0
	seen := map[int64]bool{}
	for {
		p, err := w.s.List(ctx, w.viewer, f)
		w.must(err)
		pages++
		limit := f.Limit
		if limit == 0 {
			limit = stock.DefaultLimit
		}
		if len(p.Boxes) > limit || p.NextCursor != "" && len(p.Boxes) != limit {
			w.t.Fatalf("page %d has %d boxes (limit %d), next %q", pages, len(p.Boxes), limit, p.NextCursor)
		}
		for _, b := range p.Boxes {
			if seen[b.ID] {
				w.t.Fatalf("box %s listed twice", b.Code)
			}
			seen[b.ID] = true
			if n := len(all); n > 0 && all[n-1].ID < b.ID {
				w.t.Fatalf("box %d listed after %d: want newest first", b.ID, all[n-1].ID)
			}
			all = append(all, b)
		}
		if p.NextCursor == "" {
			return all, pages
		}
		if pages > 1000 {
			w.t.Fatal("the list does not end")
		}
		f.Cursor = p.NextCursor
	}
}

func ids(bs []stock.Box) []int64 {
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out
}

func TestListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		boxes := w.stocked()
		where := func(keep func(b stock.Box) bool) []stock.Box {
			var out []stock.Box
			for _, b := range boxes {
				if keep(b) {
					out = append(out, b)
				}
			}
			return out
		}
		mid := boxes[20].CreatedAt
		late := boxes[40].CreatedAt
		cases := []struct {
			name string
			f    stock.Filter
			want []stock.Box
		}{
			{"product", stock.Filter{ProductID: w.tent.ID}, where(func(b stock.Box) bool { return b.ProductID == w.tent.ID })},
			{"category", stock.Filter{CategoryID: w.soap.CategoryID}, where(func(b stock.Box) bool { return b.CategoryID == w.soap.CategoryID })},
			{"gender", stock.Filter{Gender: "male"}, where(func(b stock.Box) bool { return b.Gender == "male" })},
			{"size", stock.Filter{Size: "M"}, where(func(b stock.Box) bool { return b.Size == "M" })},
			{"product and size", stock.Filter{ProductID: w.jacket.ID, Size: "L"}, where(func(b stock.Box) bool { return b.ProductID == w.jacket.ID && b.Size == "L" })},
			{"location", stock.Filter{LocationID: w.shelf2.ID}, where(func(b stock.Box) bool { return b.LocationID == w.shelf2.ID })},
			{"one state", stock.Filter{States: []stock.State{stock.HandedOut}}, where(func(b stock.Box) bool { return b.State == stock.HandedOut })},
			{"states", stock.Filter{States: stock.InWarehouse}, where(func(b stock.Box) bool { return slices.Contains(stock.InWarehouse, b.State) })},
			{"tag", stock.Filter{Tag: " WINTER "}, where(func(b stock.Box) bool { return slices.Contains(b.Tags, "winter") })},
			{"other tag", stock.Filter{Tag: "urgent"}, where(func(b stock.Box) bool { return slices.Contains(b.Tags, "urgent") })},
			{"tag with spaces", stock.Filter{Tag: " Very   URGENT "}, where(func(b stock.Box) bool { return slices.Contains(b.Tags, "very urgent") })},
			{"tag and state", stock.Filter{Tag: "winter", States: []stock.State{stock.InStock}},
				where(func(b stock.Box) bool { return slices.Contains(b.Tags, "winter") && b.State == stock.InStock })},
			{"no gender", stock.Filter{Gender: ""}, boxes},
			{"rare gender", stock.Filter{Gender: "female"}, where(func(b stock.Box) bool { return b.Gender == "female" })},
			{"created from", stock.Filter{CreatedFrom: mid}, where(func(b stock.Box) bool { return !b.CreatedAt.Before(mid) })},
			{"created between", stock.Filter{CreatedFrom: mid, CreatedTo: late}, where(func(b stock.Box) bool { return !b.CreatedAt.Before(mid) && b.CreatedAt.Before(late) })},
			{"everything at once", stock.Filter{ProductID: w.jacket.ID, LocationID: w.shelf1.ID, States: []stock.State{stock.InStock}, CreatedTo: late},
				where(func(b stock.Box) bool {
					return b.ProductID == w.jacket.ID && b.LocationID == w.shelf1.ID && b.State == stock.InStock && b.CreatedAt.Before(late)
				})},
			{"nothing matches", stock.Filter{Tag: "no such tag"}, nil},
		}
		all, _ := w.walk(stock.Filter{Limit: 1000})
		if !slices.Equal(ids(all), ids(boxes)) {
			t.Fatalf("the whole list has %d boxes, want %d", len(all), len(boxes))
		}
		for _, c := range cases {
			c.f.Limit = 7
			got, _ := w.walk(c.f)
			if !slices.Equal(ids(got), ids(c.want)) {
				t.Errorf("%s: %d boxes %v, want %d %v", c.name, len(got), ids(got), len(c.want), ids(c.want))
			}
			if c.name != "nothing matches" && c.name != "no gender" && (len(c.want) == 0 || len(c.want) == len(boxes)) {
				t.Errorf("%s: the data set does not test this filter (%d of %d boxes)", c.name, len(c.want), len(boxes))
			}
		}
		// A box in the list is whole: names, tags.
		for _, b := range all {
			var want stock.Box
			for _, x := range boxes {
				if x.ID == b.ID {
					want = x
				}
			}
			if b.Code != want.Code || b.ProductName != want.ProductName || b.LocationName != want.LocationName || b.MeasureMil != want.MeasureMil ||
				!slices.Equal(b.Tags, want.Tags) || b.Version != want.Version || b.State != want.State {
				t.Errorf("listed %+v, want %+v", b, want)
			}
		}
	})
}

func TestListPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		boxes := w.stocked()
		for _, limit := range []int{1, 7, 60, 61, 62, 1000} {
			got, pages := w.walk(stock.Filter{Limit: limit})
			if !slices.Equal(ids(got), ids(boxes)) {
				t.Errorf("limit %d: walked %d boxes, want %d", limit, len(got), len(boxes))
			}
			if want := (len(boxes) + limit - 1) / limit; pages != want && !(len(boxes)%limit == 0 && pages == want+1) {
				t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
			}
		}
		p, err := w.s.List(ctx, w.viewer, stock.Filter{})
		if err != nil || len(p.Boxes) != stock.DefaultLimit || p.NextCursor == "" {
			t.Errorf("default page: %d boxes, next %q, %v", len(p.Boxes), p.NextCursor, err)
		}
		for _, f := range []stock.Filter{{Limit: -1}, {Limit: stock.MaxLimit + 1}} {
			_, err := w.s.List(ctx, w.viewer, f)
			wantKey(t, err, apperr.Invalid, "stock.error.limit_range")
		}
		for _, c := range []string{"!!", "0", "-5", "zzzzzzzzzzzzzzzzzzzz"} {
			_, err := w.s.List(ctx, w.viewer, stock.Filter{Cursor: c})
			wantKey(t, err, apperr.Invalid, "stock.error.cursor_invalid")
		}
		_, err = w.s.List(ctx, w.viewer, stock.Filter{States: []stock.State{"stolen"}})
		wantKey(t, err, apperr.Invalid, "stock.error.state_named")

		// Each streams every box, newest first, and stops at the first error.
		var each []stock.Box
		w.must(w.s.Each(ctx, w.viewer, stock.Filter{}, func(b stock.Box) error { each = append(each, b); return nil }))
		if !slices.Equal(ids(each), ids(boxes)) || each[0].ID != boxes[len(boxes)-1].ID {
			t.Errorf("Each gave %d boxes, want %d", len(each), len(boxes))
		}
		// Each names the boxes as List does.
		listed, _ := w.walk(stock.Filter{Limit: 1000})
		for i := range listed {
			if !reflect.DeepEqual(each[i], listed[i]) {
				t.Errorf("Each gave %+v, List %+v", each[i], listed[i])
			}
		}
		for _, f := range []stock.Filter{{Tag: "urgent"}, {CategoryID: w.soap.CategoryID, States: []stock.State{stock.InStock}}, {Gender: "male"}} {
			var got []stock.Box
			w.must(w.s.Each(ctx, w.viewer, f, func(b stock.Box) error { got = append(got, b); return nil }))
			f.Limit = 3
			want, _ := w.walk(f)
			if !reflect.DeepEqual(got, want) || len(got) == 0 {
				t.Errorf("Each(%+v) gave %d boxes, List %d", f, len(got), len(want))
			}
		}
		stop := errors.New("stop")
		n := 0
		err = w.s.Each(ctx, w.viewer, stock.Filter{}, func(stock.Box) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Each after an error: %v, %d calls", err, n)
		}
		// A box made while paging shows up on no page it would duplicate.
		p, err = w.s.List(ctx, w.viewer, stock.Filter{Limit: 10})
		w.must(err)
		w.jackets("M", 1)
		rest, _ := w.walk(stock.Filter{Limit: 10, Cursor: p.NextCursor})
		if len(p.Boxes)+len(rest) != len(boxes) {
			t.Errorf("paging while a box is made: %d + %d, want %d", len(p.Boxes), len(rest), len(boxes))
		}
	})
}

func TestOverview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		boxes := w.stocked()
		type key struct {
			product  int64
			size     string
			location int64
		}
		sum := func(states []stock.State) map[key]stock.OverviewRow {
			m := map[key]stock.OverviewRow{}
			for _, b := range boxes {
				if !slices.Contains(states, b.State) {
					continue
				}
				k := key{b.ProductID, b.Size, b.LocationID}
				r := m[k]
				r.Boxes++
				r.Items += b.Items
				r.MeasureMil += b.MeasureMil
				m[k] = r
			}
			return m
		}
		for _, states := range [][]stock.State{nil, {stock.HandedOut}, {stock.Scrap, stock.Reserved}} {
			rows, err := w.s.Overview(ctx, w.viewer, states)
			w.must(err)
			if states == nil {
				states = stock.InWarehouse
			}
			want := sum(states)
			if len(rows) != len(want) {
				t.Errorf("%v: %d rows, want %d", states, len(rows), len(want))
			}
			var boxesSeen int64
			for i, r := range rows {
				wr, ok := want[key{r.ProductID, r.Size, r.LocationID}]
				if !ok || r.Boxes != wr.Boxes || r.Items != wr.Items || r.MeasureMil != wr.MeasureMil {
					t.Errorf("%v: row %+v, want %+v", states, r, wr)
				}
				if r.ProductName == "" || r.CategoryName == "" || r.LocationName == "" {
					t.Errorf("row without names: %+v", r)
				}
				if r.ProductID == w.soap.ID && (r.Measure != "mass" || r.MeasureMil == 0) {
					t.Errorf("soap row: %+v", r)
				}
				boxesSeen += r.Boxes
				if i > 0 {
					p := rows[i-1]
					if p.CategoryName > r.CategoryName || p.CategoryName == r.CategoryName && p.ProductName > r.ProductName {
						t.Errorf("row %d (%s/%s) after (%s/%s): want by category, then product", i, r.CategoryName, r.ProductName, p.CategoryName, p.ProductName)
					}
				}
			}
			var n int64
			for _, b := range boxes {
				if slices.Contains(states, b.State) {
					n++
				}
			}
			if boxesSeen != n || n == 0 {
				t.Errorf("%v: the overview counts %d boxes, the list %d", states, boxesSeen, n)
			}
		}
		// Sizes come in their range's order, not alphabetically.
		rows, err := w.s.Overview(ctx, w.viewer, []stock.State{stock.InStock, stock.Reserved, stock.HandedOut, stock.Scrap})
		w.must(err)
		order := map[string]int{"XS": 1, "S": 2, "M": 3, "L": 4, "XL": 5, "XXL": 6}
		last := 0
		for _, r := range rows {
			if r.ProductID != w.jacket.ID {
				continue
			}
			if order[r.Size] < last {
				t.Errorf("jacket size %s after a bigger one", r.Size)
			}
			last = order[r.Size]
		}
		_, err = w.s.Overview(ctx, w.viewer, []stock.State{"stolen"})
		wantKey(t, err, apperr.Invalid, "stock.error.state_named")
	})
}

// TestHistory: a box's page shows who did what, from where to where.
func TestHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("M", 12)
		step := func(a func() (stock.Box, error)) stock.Box {
			t.Helper()
			w.clk.Advance(time.Hour)
			nb, err := a()
			w.must(err)
			return nb
		}
		b = step(func() (stock.Box, error) {
			return w.s.UpdateBox(ctx, w.dist, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf2.ID})
		})
		b = step(func() (stock.Box, error) {
			return w.s.UpdateBox(ctx, w.coord, b.Code, stock.Change{Version: b.Version, Items: ptr(int64(10)), Comment: ptr("two torn")})
		})
		b = step(func() (stock.Box, error) {
			res, err := w.s.MoveBoxes(ctx, w.wh, []string{b.Code}, w.handout.ID)
			return outcome(res, b.Code).Box, err
		})
		b = step(func() (stock.Box, error) {
			res, err := w.s.SetState(ctx, w.dist, []string{b.Code}, stock.InStock)
			return outcome(res, b.Code).Box, err
		})
		hp, err := w.s.History(ctx, w.viewer, stock.FormatCode(b.Code), stock.HistoryQuery{})
		got, h := hp.Box, hp.Entries
		if err != nil || got.ID != b.ID || got.Version != 5 || hp.NextCursor != "" {
			t.Fatalf("History = %+v, %v", got, err)
		}
		type fc = stock.FieldChange
		want := []struct {
			kind, who string
			changes   []fc
		}{
			{"box.created", "Hugo", []fc{{"items", "", "12"}, {"location", "", "A1"}, {"product", "", "Winter Jackets"}, {"size", "", "M"}, {"state", "", "in_stock"}}},
			{"box.moved", "Inès", []fc{{"location", "A1", "A2"}}},
			{"box.updated", "Yasmine", []fc{{"comment", "", ""}, {"items", "12", "10"}}},
			{"box.moved", "Hugo", []fc{{"location", "A2", "Distribution point"}, {"state", "in_stock", "handed_out"}}},
			{"box.state_changed", "Inès", []fc{{"state", "handed_out", "in_stock"}}},
		}
		if len(h) != len(want) {
			t.Fatalf("history has %d entries: %+v", len(h), h)
		}
		for i, e := range h {
			if e.Kind != want[i].kind || e.ActorName != want[i].who || !e.At.Equal(t0.Add(time.Duration(i)*time.Hour)) ||
				!slices.Equal(e.Changes, want[i].changes) {
				t.Errorf("entry %d = %+v, want %+v", i, e, want[i])
			}
		}
		// Measured goods show their quantity in the base unit.
		s, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.soap.ID, Quantity: 1500, Unit: "g", Items: 1, LocationID: w.shelf1.ID})
		w.must(err)
		s, err = w.s.UpdateBox(ctx, w.wh, s.Code, stock.Change{Version: 1, Quantity: ptr(0.75), Tags: &[]string{"b", "a"}})
		w.must(err)
		hp, err = w.s.History(ctx, w.wh, s.Code, stock.HistoryQuery{})
		w.must(err)
		h = hp.Entries
		if len(h) != 2 || !slices.Equal(h[1].Changes, []fc{{"measure", "1.5", "0.75"}, {"tags", "", "a, b"}}) {
			t.Errorf("soap history = %+v", h)
		}
		_, err = w.s.History(ctx, w.wh, "not a code", stock.HistoryQuery{})
		wantKey(t, err, apperr.Invalid, "stock.error.code_invalid")
	})
}
