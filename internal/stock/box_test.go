package stock_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/stock"
)

func TestCreateBox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.jacket.ID, Size: " M ", Items: 12, LocationID: w.shelf1.ID,
			Comment: "  zips checked ", Tags: []string{"Winter", " winter ", "Men's   coats"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stock.ParseCode(b.Code); err != nil {
			t.Errorf("new box code %q does not parse: %v", b.Code, err)
		}
		if b.ProductName != "Winter Jackets" || b.CategoryName != "Jackets / Outerwear" || b.Gender != "male" || b.Size != "M" ||
			b.Items != 12 || b.LocationName != "A1" || b.State != stock.InStock || b.Version != 1 || b.Comment != "zips checked" ||
			!slices.Equal(b.Tags, []string{"men's coats", "winter"}) || !b.CreatedAt.Equal(t0) || b.Measure != "" || b.BaseUnit() != "" {
			t.Errorf("box = %+v", b)
		}
		got, err := w.s.Box(ctx, w.viewer, strings.ToLower(b.Code))
		if err != nil || got.ID != b.ID || !slices.Equal(got.Tags, b.Tags) {
			t.Errorf("Box(%s) = %+v, %v", b.Code, got, err)
		}

		// The ledger event holds what the box is, but not the comment's text.
		es, err := ledger.History(ctx, d, w.wh.OrgID, "box", b.ID, 0)
		if err != nil || len(es) != 1 || es[0].Kind != "box.created" || es[0].ActorID != w.wh.UserID {
			t.Fatalf("events = %+v, %v", es, err)
		}
		var p map[string]any
		if err := json.Unmarshal(es[0].Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p["code"] != b.Code || p["size"] != "M" || p["items"] != float64(12) || p["comment_set"] != true ||
			strings.Contains(string(es[0].Payload), "zips") {
			t.Errorf("payload = %s", es[0].Payload)
		}

		// Mixed sizes, measured goods in kg and litres, food with a date.
		tent, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 4, LocationID: w.shelf2.ID})
		if err != nil || tent.Size != "Mixed" || tent.LocationName != "A2" {
			t.Errorf("tent box = %+v, %v", tent, err)
		}
		for _, c := range []struct {
			qty  float64
			unit string
			mil  int64
		}{{2.5, "kg", 2500}, {2.5, "", 2500}, {750, "g", 750}, {0.001, "t", 1000}, {10, "lb", 4536}} {
			s, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.soap.ID, Quantity: c.qty, Unit: c.unit, Items: 1,
				LocationID: w.shelf1.ID, ExpiresOn: "2027-03-01"})
			if err != nil || s.MeasureMil != c.mil || s.BaseUnit() != "kg" || s.Measure != "mass" || s.ExpiresOn != "2027-03-01" || s.Size != "" {
				t.Errorf("%g %s of soap: %+v, %v; want %d g", c.qty, c.unit, s, err, c.mil)
			}
		}
		oil, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.oil.ID, Quantity: 500, Unit: "ml", LocationID: w.shelf1.ID})
		if err != nil || oil.MeasureMil != 500 || oil.Quantity() != 0.5 || oil.BaseUnit() != "l" {
			t.Errorf("oil box = %+v, %v", oil, err)
		}

		// A box made at a distribution point takes its state.
		out, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.handout.ID})
		if err != nil || out.State != stock.HandedOut {
			t.Errorf("box made at a distribution point: %+v, %v", out, err)
		}

		// Every role that edits stock may make boxes.
		for _, a := range []access.Actor{w.admin, w.coord, w.wh} {
			if _, err := w.s.CreateBox(ctx, a, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.shelf1.ID}); err != nil {
				t.Errorf("%s cannot make a box: %v", a.Role, err)
			}
		}
	})
}

func TestCreateBoxesInOneGo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		don, err := w.s.RecordDonation(ctx, w.wh, stock.Donation{Source: "collection", ReceivedOn: "2026-11-25", WeightG: 42_000, Note: "school collection"})
		if err != nil {
			t.Fatal(err)
		}
		var nbs []stock.NewBox
		for _, size := range []string{"S", "M", "L"} {
			nbs = append(nbs, stock.NewBox{ProductID: w.jacket.ID, Size: size, Items: 10, LocationID: w.shelf1.ID, DonationID: don.ID})
		}
		bs, err := w.s.CreateBoxes(ctx, w.wh, nbs)
		if err != nil || len(bs) != 3 {
			t.Fatalf("CreateBoxes = %d boxes, %v", len(bs), err)
		}
		codes := map[string]bool{}
		for i, b := range bs {
			if b.Size != nbs[i].Size || b.DonationID != don.ID || codes[b.Code] {
				t.Errorf("box %d = %+v", i, b)
			}
			codes[b.Code] = true
			if ev := w.events(b); !slices.Equal(ev, []string{"box.created"}) {
				t.Errorf("box %d events %v", i, ev)
			}
		}
		ds, err := w.s.Donations(ctx, w.viewer, 10)
		if err != nil || len(ds) != 1 || ds[0].Boxes != 3 || ds[0].WeightG != 42_000 || ds[0].Source != "collection" {
			t.Errorf("donations = %+v, %v", ds, err)
		}

		// One bad row: none is made, and the error names the row.
		before := w.snap()
		nbs[1].Size = "XXXL"
		_, err = w.s.CreateBoxes(ctx, w.wh, nbs)
		wantKey(t, err, apperr.Invalid, "stock.error.in_row")
		if e := apperr.As(err); len(e.Args) != 1 || e.Args[0] != 2 {
			t.Errorf("row error args = %v", e.Args)
		}
		var inner *apperr.Error
		if !errors.As(errors.Unwrap(err), &inner) || inner.Key != "stock.error.size_unknown" {
			t.Errorf("row error cause = %v", errors.Unwrap(err))
		}
		w.unchanged(before, "a batch with a bad row")

		for _, n := range []int{0, 501} {
			_, err := w.s.CreateBoxes(ctx, w.wh, make([]stock.NewBox, n))
			wantKey(t, err, apperr.Invalid, "stock.error.batch_size")
		}
		big := make([]stock.NewBox, 500)
		for i := range big {
			big[i] = stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 2, LocationID: w.shelf2.ID}
		}
		if bs, err := w.s.CreateBoxes(ctx, w.wh, big); err != nil || len(bs) != 500 {
			t.Errorf("500 boxes at once: %d, %v", len(bs), err)
		}
		w.unchanged(snapshot{}, "")
	})
}

// TestCreateBoxBadInput: each bad input is refused with its message and
// nothing is written.
func TestCreateBoxBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		taken := w.jackets("M", 3)
		mine, err := w.s.ReserveLabels(ctx, w.wh, 1)
		w.must(err)
		theirs, err := w.s.ReserveLabels(ctx, w.base2, 1)
		w.must(err)
		foreignLabel, err := w.s.ReserveLabels(ctx, w.foreign, 1)
		w.must(err)
		foreignBox, err := w.s.CreateBox(ctx, w.foreign, stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.foreignShelf.ID})
		w.must(err)
		used, err := w.s.ReserveLabels(ctx, w.wh, 1)
		w.must(err)
		if _, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{Code: used[0], ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.shelf1.ID}); err != nil {
			t.Fatal(err)
		}
		base2Don, err := w.s.RecordDonation(ctx, w.base2, stock.Donation{Source: "group", ReceivedOn: "2026-11-20", ItemCount: 5})
		w.must(err)
		foreignDon, err := w.s.RecordDonation(ctx, w.foreign, stock.Donation{Source: "group", ReceivedOn: "2026-11-20", ItemCount: 5})
		w.must(err)
		mistyped := []byte(stock.NewCode())
		mistyped[8] = alphabet[(strings.IndexByte(alphabet, mistyped[8])+1)%len(alphabet)]

		jacket := func(f func(*stock.NewBox)) stock.NewBox {
			nb := stock.NewBox{ProductID: w.jacket.ID, Size: "M", Items: 5, LocationID: w.shelf1.ID}
			f(&nb)
			return nb
		}
		soap := func(f func(*stock.NewBox)) stock.NewBox {
			nb := stock.NewBox{ProductID: w.soap.ID, Quantity: 2, Unit: "kg", Items: 1, LocationID: w.shelf1.ID}
			f(&nb)
			return nb
		}
		many := make([]string, stock.MaxTags+1)
		for i := range many {
			many[i] = string(rune('a' + i))
		}
		cases := []struct {
			name string
			nb   stock.NewBox
			code apperr.Code
			key  string
		}{
			{"unknown product", jacket(func(nb *stock.NewBox) { nb.ProductID = 9_999_999 }), apperr.Invalid, "stock.error.product_unknown"},
			{"another base's product", jacket(func(nb *stock.NewBox) { nb.ProductID = w.base2P.ID; nb.Size = "" }), apperr.Invalid, "stock.error.product_unknown"},
			{"size not in the range", jacket(func(nb *stock.NewBox) { nb.Size = "XXXL" }), apperr.Invalid, "stock.error.size_unknown"},
			{"no size", jacket(func(nb *stock.NewBox) { nb.Size = "" }), apperr.Invalid, "stock.error.size_unknown"},
			{"another range's size", jacket(func(nb *stock.NewBox) { nb.ProductID = w.tent.ID }), apperr.Invalid, "stock.error.size_unknown"},
			{"quantity for counted goods", jacket(func(nb *stock.NewBox) { nb.Quantity = 3; nb.Unit = "kg" }), apperr.Invalid, "stock.error.quantity_for_counted"},
			{"no quantity for measured goods", soap(func(nb *stock.NewBox) { nb.Quantity = 0 }), apperr.Invalid, "stock.error.quantity_required"},
			{"negative quantity", soap(func(nb *stock.NewBox) { nb.Quantity = -2 }), apperr.Invalid, "stock.error.quantity_required"},
			{"NaN quantity", soap(func(nb *stock.NewBox) { nb.Quantity = math.NaN() }), apperr.Invalid, "stock.error.quantity_required"},
			{"infinite quantity", soap(func(nb *stock.NewBox) { nb.Quantity = math.Inf(1) }), apperr.Invalid, "stock.error.quantity_required"},
			{"huge quantity", soap(func(nb *stock.NewBox) { nb.Quantity = 11; nb.Unit = "t" }), apperr.Invalid, "stock.error.quantity_range"},
			{"tiny quantity", soap(func(nb *stock.NewBox) { nb.Quantity = 0.1; nb.Unit = "g" }), apperr.Invalid, "stock.error.quantity_range"},
			{"size for measured goods", soap(func(nb *stock.NewBox) { nb.Size = "M" }), apperr.Invalid, "stock.error.size_for_measured"},
			{"unknown unit", soap(func(nb *stock.NewBox) { nb.Unit = "stone" }), apperr.Invalid, "stock.error.unit_unknown"},
			{"unit of another dimension", soap(func(nb *stock.NewBox) { nb.Unit = "l" }), apperr.Invalid, "stock.error.unit_unknown"},
			{"negative items", jacket(func(nb *stock.NewBox) { nb.Items = -1 }), apperr.Invalid, "stock.error.items_range"},
			{"huge items", jacket(func(nb *stock.NewBox) { nb.Items = stock.MaxItems + 1 }), apperr.Invalid, "stock.error.items_range"},
			{"no location", jacket(func(nb *stock.NewBox) { nb.LocationID = 0 }), apperr.Invalid, "stock.error.location_unknown"},
			{"another base's location", jacket(func(nb *stock.NewBox) { nb.LocationID = w.base2Shelf.ID }), apperr.Invalid, "stock.error.location_unknown"},
			{"another organisation's location", jacket(func(nb *stock.NewBox) { nb.LocationID = w.foreignShelf.ID }), apperr.Invalid, "stock.error.location_unknown"},
			{"archived location", jacket(func(nb *stock.NewBox) { nb.LocationID = w.archived.ID }), apperr.Invalid, "stock.error.location_unknown"},
			{"impossible date", jacket(func(nb *stock.NewBox) { nb.ExpiresOn = "2027-02-30" }), apperr.Invalid, "stock.error.date_invalid"},
			{"date in another format", jacket(func(nb *stock.NewBox) { nb.ExpiresOn = "01/03/2027" }), apperr.Invalid, "stock.error.date_invalid"},
			{"date from another century", jacket(func(nb *stock.NewBox) { nb.ExpiresOn = "1927-03-01" }), apperr.Invalid, "stock.error.date_invalid"},
			{"long comment", jacket(func(nb *stock.NewBox) { nb.Comment = strings.Repeat("é", stock.MaxComment+1) }), apperr.Invalid, "stock.error.comment_long"},
			{"comment not UTF-8", jacket(func(nb *stock.NewBox) { nb.Comment = "\xff\xfe" }), apperr.Invalid, "stock.error.comment_long"},
			{"too many tags", jacket(func(nb *stock.NewBox) { nb.Tags = many }), apperr.Invalid, "stock.error.tags_many"},
			{"long tag", jacket(func(nb *stock.NewBox) { nb.Tags = []string{strings.Repeat("x", stock.MaxTagLen+1)} }), apperr.Invalid, "stock.error.tag_long"},
			{"another base's donation", jacket(func(nb *stock.NewBox) { nb.DonationID = base2Don.ID }), apperr.Invalid, "stock.error.donation_unknown"},
			{"another organisation's donation", jacket(func(nb *stock.NewBox) { nb.DonationID = foreignDon.ID }), apperr.Invalid, "stock.error.donation_unknown"},
			{"a taken code", jacket(func(nb *stock.NewBox) { nb.Code = taken.Code }), apperr.Conflict, "stock.error.code_taken"},
			{"a used blank label", jacket(func(nb *stock.NewBox) { nb.Code = used[0] }), apperr.Conflict, "stock.error.code_taken"},
			// Codes this base did not print answer alike, whoever holds them.
			{"another base's blank label", jacket(func(nb *stock.NewBox) { nb.Code = theirs[0] }), apperr.Invalid, "stock.error.code_not_printed"},
			{"another organisation's blank label", jacket(func(nb *stock.NewBox) { nb.Code = foreignLabel[0] }), apperr.Invalid, "stock.error.code_not_printed"},
			{"another organisation's box", jacket(func(nb *stock.NewBox) { nb.Code = foreignBox.Code }), apperr.Invalid, "stock.error.code_not_printed"},
			{"a code nobody printed", jacket(func(nb *stock.NewBox) { nb.Code = stock.NewCode() }), apperr.Invalid, "stock.error.code_not_printed"},
			{"a mistyped code", jacket(func(nb *stock.NewBox) { nb.Code = string(mistyped) }), apperr.Invalid, "stock.error.code_mistyped"},
			{"not a code", jacket(func(nb *stock.NewBox) { nb.Code = "hello" }), apperr.Invalid, "stock.error.code_invalid"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := w.snap()
				_, err := w.s.CreateBox(ctx, w.wh, c.nb)
				wantKey(t, err, c.code, c.key)
				w.unchanged(before, c.name)
				// In a batch, the same refusal names the row.
				_, err = w.s.CreateBoxes(ctx, w.wh, []stock.NewBox{jacket(func(*stock.NewBox) {}), c.nb})
				wantKey(t, err, c.code, "stock.error.in_row")
				w.unchanged(before, c.name+" in a batch")
			})
		}
		// The limits themselves are fine.
		ok := []stock.NewBox{
			jacket(func(nb *stock.NewBox) { nb.Items = 0 }),
			jacket(func(nb *stock.NewBox) { nb.Items = stock.MaxItems }),
			jacket(func(nb *stock.NewBox) { nb.Comment = strings.Repeat("ب", stock.MaxComment) }),
			jacket(func(nb *stock.NewBox) { nb.Tags = many[:stock.MaxTags] }),
			jacket(func(nb *stock.NewBox) { nb.Tags = []string{strings.Repeat("x", stock.MaxTagLen)} }),
			soap(func(nb *stock.NewBox) { nb.Quantity = 10; nb.Unit = "t" }),
			jacket(func(nb *stock.NewBox) { nb.Code = mine[0] }),
		}
		if _, err := w.s.CreateBoxes(ctx, w.wh, ok); err != nil {
			t.Errorf("boxes at the limits: %v", err)
		}
	})
}

// TestBlankLabels: a pre-printed label resolves as blank, makes one box,
// and is then that box; a code from elsewhere is free and may be used.
func TestBlankLabels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		codes, err := w.s.ReserveLabels(ctx, w.wh, 20)
		if err != nil || len(codes) != 20 {
			t.Fatalf("ReserveLabels = %d, %v", len(codes), err)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if p, err := stock.ParseCode(c); err != nil || p != c || seen[c] {
				t.Errorf("label code %q: %v", c, err)
			}
			seen[c] = true
		}
		label := codes[0]
		sc, err := w.s.Resolve(ctx, w.dist, stock.FormatCode(label))
		if err != nil || !sc.Blank || sc.Free || sc.Box != nil || sc.Code != label {
			t.Fatalf("Resolve(blank) = %+v, %v", sc, err)
		}
		// Another base and another organisation do not see it as theirs.
		for _, a := range []access.Actor{w.base2, w.foreign} {
			if sc, err := w.s.Resolve(ctx, a, label); err != nil || sc.Blank || !sc.Free || sc.Box != nil {
				t.Errorf("Resolve(blank) by %d/%d = %+v, %v", a.OrgID, a.BaseID, sc, err)
			}
		}

		b, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{Code: "https://abri.example/b/" + strings.ToLower(label), ProductID: w.tent.ID,
			Size: "Mixed", Items: 2, LocationID: w.shelf1.ID})
		if err != nil || b.Code != label {
			t.Fatalf("box from a blank label = %+v, %v", b, err)
		}
		sc, err = w.s.Resolve(ctx, w.wh, label)
		if err != nil || sc.Blank || sc.Free || sc.Box == nil || sc.Box.ID != b.ID {
			t.Errorf("Resolve(used label) = %+v, %v", sc, err)
		}
		before := w.snap()
		_, err = w.s.CreateBox(ctx, w.wh, stock.NewBox{Code: label, ProductID: w.tent.ID, Size: "Mixed", Items: 2, LocationID: w.shelf1.ID})
		wantKey(t, err, apperr.Conflict, "stock.error.code_taken")
		w.unchanged(before, "a label used twice")

		// One label for two boxes in one batch: the second is refused and
		// neither is made.
		before = w.snap()
		twice := stock.NewBox{Code: codes[1], ProductID: w.tent.ID, Size: "Mixed", Items: 2, LocationID: w.shelf1.ID}
		_, err = w.s.CreateBoxes(ctx, w.wh, []stock.NewBox{twice, twice})
		wantKey(t, err, apperr.Conflict, "stock.error.in_row")
		w.unchanged(before, "a label used twice in a batch")

		// A well-formed code nothing uses (a label printed elsewhere) is
		// free, but names no new box: only this base's labels do.
		free := stock.NewCode()
		sc, err = w.s.Resolve(ctx, w.wh, free)
		if err != nil || !sc.Free || sc.Blank || sc.Box != nil {
			t.Errorf("Resolve(free) = %+v, %v", sc, err)
		}
		before = w.snap()
		_, err = w.s.CreateBox(ctx, w.wh, stock.NewBox{Code: free, ProductID: w.tent.ID, Size: "Mixed", Items: 2, LocationID: w.shelf1.ID})
		wantKey(t, err, apperr.Invalid, "stock.error.code_not_printed")
		w.unchanged(before, "a box with a code nobody printed")
		// A mistyped code says so.
		_, err = w.s.Resolve(ctx, w.wh, label[:8]+string(alphabet[(strings.IndexByte(alphabet, label[8])+1)%32]))
		wantKey(t, err, apperr.Invalid, "stock.error.code_mistyped")

		for _, n := range []int{0, -1, stock.MaxBlankLabels + 1} {
			_, err := w.s.ReserveLabels(ctx, w.wh, n)
			wantKey(t, err, apperr.Invalid, "stock.error.labels_range")
		}
		// The reservation is in the ledger.
		var kinds int
		w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM ledger WHERE kind = 'labels.reserved' AND org_id = ?", w.wh.OrgID).Scan(&kinds))
		if kinds != 1 {
			t.Errorf("%d labels.reserved events, want 1", kinds)
		}
	})
}

// TestRoles: who may make, edit and move boxes.
func TestRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("L", 6)
		nb := stock.NewBox{ProductID: w.tent.ID, Size: "Mixed", Items: 1, LocationID: w.shelf1.ID}
		for _, a := range []access.Actor{w.viewer, w.observer, w.shop, w.dist} {
			before := w.snap()
			_, err := w.s.CreateBox(ctx, a, nb)
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.CreateBoxes(ctx, a, []stock.NewBox{nb})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.ReserveLabels(ctx, a, 1)
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.RecordDonation(ctx, a, stock.Donation{Source: "other", ReceivedOn: "2026-11-01"})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.UpdateBox(ctx, a, b.Code, stock.Change{Version: b.Version, Items: ptr(int64(1))})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.UpdateBox(ctx, a, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf2.ID, Comment: ptr("x")})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.TagBoxes(ctx, a, []string{b.Code}, "winter", false)
			wantCode(t, err, apperr.Forbidden)
			w.unchanged(before, string(a.Role))
			// Everyone may look.
			if _, err := w.s.Box(ctx, a, b.Code); err != nil {
				t.Errorf("%s cannot read a box: %v", a.Role, err)
			}
			if _, err := w.s.History(ctx, a, b.Code, stock.HistoryQuery{}); err != nil {
				t.Errorf("%s cannot read a box's history: %v", a.Role, err)
			}
			if p, err := w.s.List(ctx, a, stock.Filter{}); err != nil || len(p.Boxes) != 1 {
				t.Errorf("%s lists %d boxes, %v", a.Role, len(p.Boxes), err)
			}
			if _, err := w.s.Overview(ctx, a, nil); err != nil {
				t.Errorf("%s cannot read the overview: %v", a.Role, err)
			}
		}
		for _, a := range []access.Actor{w.viewer, w.observer, w.shop} {
			before := w.snap()
			_, err := w.s.UpdateBox(ctx, a, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf2.ID})
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.MoveBoxes(ctx, a, []string{b.Code}, w.shelf2.ID)
			wantCode(t, err, apperr.Forbidden)
			_, err = w.s.SetState(ctx, a, []string{b.Code}, stock.Reserved)
			wantCode(t, err, apperr.Forbidden)
			w.unchanged(before, string(a.Role)+" moving")
		}
		// The distribution team moves boxes and changes their state, but does
		// not edit what is in them.
		moved, err := w.s.UpdateBox(ctx, w.dist, b.Code, stock.Change{Version: b.Version, LocationID: &w.shelf2.ID})
		if err != nil || moved.LocationID != w.shelf2.ID {
			t.Fatalf("distribution moves a box: %+v, %v", moved, err)
		}
		res, err := w.s.SetState(ctx, w.dist, []string{b.Code}, stock.Reserved)
		if err != nil || res.Changed() != 1 || outcome(res, b.Code).Box.State != stock.Reserved {
			t.Errorf("distribution reserves a box: %+v, %v", res, err)
		}
		res, err = w.s.MoveBoxes(ctx, w.dist, []string{b.Code}, w.shelf1.ID)
		if err != nil || res.Changed() != 1 {
			t.Errorf("distribution moves boxes: %+v, %v", res, err)
		}

		// Nobody signed in: unauthorised, not forbidden.
		anon := access.Actor{OrgID: w.wh.OrgID, BaseID: w.wh.BaseID, Role: access.Admin}
		_, err = w.s.Box(ctx, anon, b.Code)
		wantCode(t, err, apperr.Unauthorized)
		_, err = w.s.CreateBox(ctx, anon, nb)
		wantCode(t, err, apperr.Unauthorized)
	})
}

// TestOtherOrganisation: another organisation's (or base's) box is not found,
// whatever one tries, and its code resolves as free.
func TestOtherOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		b := w.jackets("S", 2)
		for _, a := range []access.Actor{w.foreign, w.base2} {
			before := w.snap()
			_, err := w.s.Box(ctx, a, b.Code)
			wantKey(t, err, apperr.NotFound, "stock.error.box_unknown")
			_, err = w.s.UpdateBox(ctx, a, b.Code, stock.Change{Version: b.Version, Items: ptr(int64(0))})
			wantCode(t, err, apperr.NotFound)
			_, err = w.s.UpdateBox(ctx, a, b.Code, stock.Change{Version: b.Version, LocationID: &w.foreignShelf.ID})
			wantCode(t, err, apperr.NotFound)
			_, err = w.s.History(ctx, a, b.Code, stock.HistoryQuery{})
			wantCode(t, err, apperr.NotFound)
			sc, err := w.s.Resolve(ctx, a, b.Code)
			if err != nil || !sc.Free || sc.Blank || sc.Box != nil {
				t.Errorf("Resolve by another = %+v, %v", sc, err)
			}
			for i, res := range []func() (stock.BulkResult, error){
				func() (stock.BulkResult, error) { return w.s.MoveBoxes(ctx, a, []string{b.Code}, w.foreignShelf.ID) },
				func() (stock.BulkResult, error) { return w.s.SetState(ctx, a, []string{b.Code}, stock.Lost) },
				func() (stock.BulkResult, error) { return w.s.TagBoxes(ctx, a, []string{b.Code}, "mine", false) },
			} {
				r, err := res()
				if i == 0 && apperr.Is(err, apperr.Invalid) {
					continue // the shelf is not one of this actor's base: nothing moves
				}
				if err != nil || r.Changed() != 0 || !apperr.Is(outcome(r, b.Code).Err, apperr.NotFound) {
					t.Errorf("bulk by another = %+v, %v", r, err)
				}
			}
			p, err := w.s.List(ctx, a, stock.Filter{})
			if err != nil || len(p.Boxes) != 0 {
				t.Errorf("another lists %d boxes, %v", len(p.Boxes), err)
			}
			ov, err := w.s.Overview(ctx, a, nil)
			if err != nil || len(ov) != 0 {
				t.Errorf("another's overview = %+v, %v", ov, err)
			}
			w.unchanged(before, "another organisation")
		}
	})
}
