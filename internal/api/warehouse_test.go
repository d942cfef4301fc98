package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/export"
	"abri/internal/i18n"
	"abri/internal/stock"
)

func TestCatalogueAndLocations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		type product struct {
			ID       int64    `json:"id"`
			Name     string   `json:"name"`
			Category idName   `json:"category"`
			Gender   string   `json:"gender"`
			Measure  string   `json:"measure"`
			Unit     *string  `json:"unit"`
			Sizes    []string `json:"sizes"`
			Standard bool     `json:"standard"`
			Kit      []any    `json:"kit"`
		}
		ps := answer[struct {
			Products []product `json:"products"`
			Units    []struct {
				Symbol      string  `json:"symbol"`
				Name        string  `json:"name"`
				Dimension   string  `json:"dimension"`
				PerBaseUnit float64 `json:"per_base_unit"`
			} `json:"units"`
		}](t, w, w.do("GET", "/api/v1/products", w.viewer, nil), "GET /api/v1/products", 200)
		var jackets, rice product
		for _, p := range ps.Products {
			switch p.ID {
			case w.jackets.ID:
				jackets = p
			case w.rice.ID:
				rice = p
			}
		}
		if jackets.Name != "Winter Jackets" || jackets.Gender != "male" || !slices.Equal(jackets.Sizes, w.sizes) ||
			jackets.Unit != nil || jackets.Measure != "" || !jackets.Standard || jackets.Category.Name == "" {
			t.Errorf("jackets = %+v", jackets)
		}
		if rice.Measure != "mass" || rice.Unit == nil || *rice.Unit != "kg" || len(rice.Sizes) != 0 {
			t.Errorf("weighed product = %+v", rice)
		}
		grams := false
		for _, u := range ps.Units {
			grams = grams || u.Symbol == "g" && u.Dimension == "mass" && u.PerBaseUnit == 1000
		}
		if !grams {
			t.Errorf("units lack grams: %+v", ps.Units)
		}
		// q finds what the screens' product pickers find (catalog.SearchProducts).
		type found struct {
			Products []product `json:"products"`
			Units    []any     `json:"units"`
		}
		f := answer[found](t, w, w.do("GET", "/api/v1/products?q=jack+winter+men", w.viewer, nil), "GET /api/v1/products", 200)
		if len(f.Products) != 1 || f.Products[0].ID != w.jackets.ID {
			t.Errorf("q=jack winter men found %+v, want only the men's winter jackets", f.Products)
		}
		f = answer[found](t, w, w.do("GET", "/api/v1/products?q=men", w.viewer, nil), "GET /api/v1/products", 200)
		for _, p := range f.Products {
			if p.Gender == "female" {
				t.Errorf("q=men found a women's product: %+v", p)
			}
		}
		if len(f.Products) == 0 {
			t.Error("q=men found nothing")
		}

		ls := answer[struct {
			Locations []struct {
				ID           int64  `json:"id"`
				Name         string `json:"name"`
				Kind         string `json:"kind"`
				DefaultState string `json:"default_state"`
			} `json:"locations"`
		}](t, w, w.do("GET", "/api/v1/locations", w.viewer, nil), "GET /api/v1/locations", 200)
		var names []string
		for _, l := range ls.Locations {
			names = append(names, l.Name+"/"+l.Kind+"/"+l.DefaultState)
		}
		// Archived, other bases' and other organisations' locations are not offered.
		if want := []string{"Shelf A1/shelf/in_stock", "Blue van/van/in_stock"}; !slices.Equal(names, want) {
			t.Errorf("locations %v, want %v", names, want)
		}
		refused(t, w.do("GET", "/api/v1/locations?kind=van", w.viewer, nil), 400, "invalid", `"kind"`)
	})
}

func TestBoxLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)

		type donation struct {
			ID         int64  `json:"id"`
			Source     string `json:"source"`
			ReceivedOn string `json:"received_on"`
			WeightG    int64  `json:"weight_g"`
			ItemCount  int64  `json:"item_count"`
			Note       string `json:"note"`
			Boxes      int64  `json:"boxes"`
			CreatedAt  string `json:"created_at"`
		}
		don := answer[donation](t, w, w.do("POST", "/api/v1/donations", w.warehouse,
			`{"source":"collection","received_on":"2026-11-21","weight_g":84000,"note":"12 bags"}`), "POST /api/v1/donations", 201)
		if don.ID == 0 || don.Source != "collection" || don.ReceivedOn != "2026-11-21" || don.WeightG != 84000 || don.Boxes != 0 {
			t.Errorf("donation = %+v", don)
		}

		// A warehouse volunteer makes a box; the answer is the box with its code.
		rec := w.do("POST", "/api/v1/boxes", w.warehouse, map[string]any{
			"product_id": w.jackets.ID, "size": "L", "items": 12, "location_id": w.shelf.ID, "expires_on": "2027-03-31",
			"comment": "zips checked", "tags": []string{"Winter", "men"}, "donation_id": don.ID})
		b := answer[boxJSON](t, w, rec, "POST /api/v1/boxes", 201)
		if _, err := stock.ParseCode(b.Code); err != nil || b.Code != strings.ToUpper(b.Code) {
			t.Fatalf("code %q: %v", b.Code, err)
		}
		if got := rec.Header().Get("Location"); got != "/api/v1/boxes/"+b.Code {
			t.Errorf("Location = %q", got)
		}
		if b.Product.ID != w.jackets.ID || b.Product.Name != "Winter Jackets" || b.Category.ID != w.jackets.CategoryID ||
			b.Gender != "male" || b.Size != "L" || b.Items != 12 || b.Location != (idName{w.shelf.ID, "Shelf A1"}) ||
			b.State != "in_stock" || b.ExpiresOn == nil || *b.ExpiresOn != "2027-03-31" || b.Comment != "zips checked" ||
			!slices.Equal(b.Tags, []string{"men", "winter"}) || b.DonationID == nil || *b.DonationID != don.ID ||
			b.Quantity != nil || b.Unit != nil || b.Version != 1 || b.CreatedAt.IsZero() || b.CreatedAt.Location().String() != "UTC" {
			t.Errorf("made box = %+v", b)
		}

		// A weighed box, given in grams, is answered in kg.
		rice := w.makeBox(t, map[string]any{"product_id": w.rice.ID, "quantity": 2500, "unit": "g", "items": 0})
		if rice.Quantity == nil || *rice.Quantity != 2.5 || rice.Unit == nil || *rice.Unit != "kg" || rice.Size != "" || rice.ExpiresOn != nil || rice.DonationID != nil {
			t.Errorf("weighed box = %+v", rice)
		}

		// Read it back as typed, as scanned, in any case.
		for _, c := range []string{b.Code, strings.ToLower(b.Code), url.PathEscape(stock.FormatCode(b.Code)), url.PathEscape("https://abri.example.org/b/" + b.Code)} {
			if got := w.getBox(t, c); got.Code != b.Code || got.Version != 1 {
				t.Errorf("GET %q = %+v", c, got)
			}
		}

		// Move it to the van, with the version seen.
		moved := answer[boxJSON](t, w, w.do("PATCH", "/api/v1/boxes/"+b.Code, w.distribution,
			map[string]any{"version": 1, "location_id": w.van.ID}), "PATCH /api/v1/boxes/{code}", 200)
		if moved.Location.ID != w.van.ID || moved.Version != 2 || moved.Items != 12 || !moved.UpdatedAt.After(b.CreatedAt) && !moved.UpdatedAt.Equal(b.CreatedAt) {
			t.Errorf("moved box = %+v", moved)
		}
		// Change items, tags and clear the expiry, reserve it.
		changed := answer[boxJSON](t, w, w.do("PATCH", "/api/v1/boxes/"+b.Code, w.warehouse,
			map[string]any{"version": 2, "items": 10, "tags": []string{"winter"}, "expires_on": "", "state": "reserved", "comment": ""}), "PATCH /api/v1/boxes/{code}", 200)
		if changed.Items != 10 || changed.State != "reserved" || changed.ExpiresOn != nil || changed.Comment != "" ||
			!slices.Equal(changed.Tags, []string{"winter"}) || changed.Version != 3 || changed.Location.ID != w.van.ID {
			t.Errorf("changed box = %+v", changed)
		}

		// The history says who moved it where.
		h := answer[struct {
			Box    boxJSON `json:"box"`
			Events []struct {
				At      string `json:"at"`
				Kind    string `json:"kind"`
				Actor   string `json:"actor"`
				Changes []struct {
					Field string `json:"field"`
					From  string `json:"from"`
					To    string `json:"to"`
				} `json:"changes"`
			} `json:"events"`
			NextCursor *string `json:"next_cursor"`
		}](t, w, w.do("GET", "/api/v1/boxes/"+b.Code+"/history", w.viewer, nil), "GET /api/v1/boxes/{code}/history", 200)
		if h.Box.Code != b.Code || h.Box.Version != 3 || len(h.Events) != 3 || h.NextCursor != nil {
			t.Fatalf("history = %+v", h)
		}
		if e := h.Events[0]; e.Kind != "box.created" || e.Actor != "kim" {
			t.Errorf("first event = %+v", e)
		}
		e := h.Events[1]
		if e.Kind != "box.moved" || e.Actor != "ana" || len(e.Changes) != 1 || e.Changes[0].Field != "location" ||
			e.Changes[0].From != "Shelf A1" || e.Changes[0].To != "Blue van" {
			t.Errorf("move event = %+v", e)
		}

		// One change a page: three pages, the cursor null on the last.
		var kinds []string
		next := ""
		for page := 0; page < 3; page++ {
			path := "/api/v1/boxes/" + b.Code + "/history?limit=1"
			if next != "" {
				path += "&cursor=" + next
			}
			p := answer[struct {
				Box    boxJSON `json:"box"`
				Events []struct {
					Kind    string          `json:"kind"`
					At      string          `json:"at"`
					Actor   string          `json:"actor"`
					Changes json.RawMessage `json:"changes"`
				} `json:"events"`
				NextCursor *string `json:"next_cursor"`
			}](t, w, w.do("GET", path, w.viewer, nil), "GET /api/v1/boxes/{code}/history", 200)
			if len(p.Events) != 1 || (p.NextCursor == nil) != (page == 2) {
				t.Fatalf("page %d = %+v", page, p)
			}
			kinds = append(kinds, p.Events[0].Kind)
			if p.NextCursor != nil {
				next = *p.NextCursor
			}
		}
		if !slices.Equal(kinds, []string{"box.created", "box.moved", "box.updated"}) {
			t.Errorf("paged history = %v", kinds)
		}
		refused(t, w.do("GET", "/api/v1/boxes/"+b.Code+"/history?limit=0", w.viewer, nil), 400, "invalid", "")
		refused(t, w.do("GET", "/api/v1/boxes/"+b.Code+"/history?cursor=%21", w.viewer, nil), 400, "invalid", "")

		// The stock overview counts it where it is (reserved counts as in the warehouse).
		ov := answer[struct {
			States []string `json:"states"`
			Rows   []struct {
				Category idName   `json:"category"`
				Product  idName   `json:"product"`
				Gender   string   `json:"gender"`
				Size     string   `json:"size"`
				Location idName   `json:"location"`
				Boxes    int64    `json:"boxes"`
				Items    int64    `json:"items"`
				Quantity *float64 `json:"quantity"`
				Unit     *string  `json:"unit"`
			} `json:"rows"`
		}](t, w, w.do("GET", "/api/v1/stock", w.viewer, nil), "GET /api/v1/stock", 200)
		if !slices.Equal(ov.States, []string{"in_stock", "reserved", "received"}) || len(ov.Rows) != 2 {
			t.Fatalf("overview = %+v", ov)
		}
		for _, r := range ov.Rows {
			switch r.Product.ID {
			case w.jackets.ID:
				if r.Size != "L" || r.Location.ID != w.van.ID || r.Boxes != 1 || r.Items != 10 || r.Quantity != nil || r.Gender != "male" {
					t.Errorf("jackets row = %+v", r)
				}
			case w.rice.ID:
				if r.Quantity == nil || *r.Quantity != 2.5 || *r.Unit != "kg" || r.Location.ID != w.shelf.ID {
					t.Errorf("rice row = %+v", r)
				}
			}
		}
		only := answer[struct {
			States []string `json:"states"`
			Rows   []any    `json:"rows"`
		}](t, w, w.do("GET", "/api/v1/stock?state=in_stock", w.viewer, nil), "GET /api/v1/stock", 200)
		if len(only.Rows) != 1 || !slices.Equal(only.States, []string{"in_stock"}) {
			t.Errorf("in-stock overview = %+v", only)
		}

		// The donation now counts its box.
		ds := answer[struct {
			Donations []donation `json:"donations"`
		}](t, w, w.do("GET", "/api/v1/donations?limit=10", w.viewer, nil), "GET /api/v1/donations", 200)
		if len(ds.Donations) != 1 || ds.Donations[0].ID != don.ID || ds.Donations[0].Boxes != 1 {
			t.Errorf("donations = %+v", ds)
		}
	})
}

func TestBulkMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		a := w.makeBox(t, map[string]any{"items": 5})
		b := w.makeBox(t, map[string]any{"items": 6})
		unknown := stock.NewCode()
		mistyped := mistyped(a.Code)
		codes := []string{strings.ToLower(a.Code), mistyped, unknown, stock.FormatCode(b.Code), w.otherBox.Code}
		res := answer[moveJSON](t, w, w.do("POST", "/api/v1/boxes/move", w.distribution,
			map[string]any{"codes": codes, "location_id": w.van.ID}), "POST /api/v1/boxes/move", 200)
		if res.Moved != 2 || res.Failed != 3 || len(res.Results) != 5 {
			t.Fatalf("move = %+v", res)
		}
		want := []struct {
			code, err string
		}{{a.Code, ""}, {mistyped, "mistyped"}, {unknown, "No box"}, {b.Code, ""}, {w.otherBox.Code, "No box"}}
		for i, x := range want {
			r := res.Results[i]
			if r.Code != x.code {
				t.Errorf("result %d is for %q, want %q", i, r.Code, x.code)
			}
			switch {
			case x.err == "" && (!r.OK || r.Box == nil || r.Box.Location.ID != w.van.ID || r.Error != nil):
				t.Errorf("result %d = %+v, want moved", i, r)
			case x.err != "" && (r.OK || r.Box != nil || r.Error == nil || !strings.Contains(r.Error.Message, x.err)):
				t.Errorf("result %d = %+v, want failed with %q", i, r, x.err)
			}
		}
		// The other organisation's box stayed where it was.
		if ob, err := w.stock.Box(context.Background(), w.otherActor, w.otherBox.Code); err != nil || ob.LocationID != w.otherOrgLoc.ID || ob.Version != 1 {
			t.Errorf("the other organisation's box: %+v %v", ob, err)
		}

		// A location that is not one of this base's: 400, nothing moves.
		c := w.makeBox(t, map[string]any{})
		for name, loc := range map[string]int64{"other base": w.otherBaseLoc.ID, "other organisation": w.otherOrgLoc.ID,
			"archived": w.archived.ID, "none": 0, "made up": 999999} {
			t.Run(name, func(t *testing.T) {
				refused(t, w.do("POST", "/api/v1/boxes/move", w.warehouse, map[string]any{"codes": []string{c.Code}, "location_id": loc}),
					400, "invalid", "location of this base")
				if got := w.getBox(t, c.Code); got.Location.ID != w.shelf.ID || got.Version != 1 {
					t.Errorf("box changed: %+v", got)
				}
			})
		}
		refused(t, w.do("POST", "/api/v1/boxes/move", w.warehouse, map[string]any{"codes": []string{}, "location_id": w.van.ID}),
			400, "invalid", "between 1 and 500")
	})
}

func TestLabels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		a := w.makeBox(t, map[string]any{"items": 5, "expires_on": "2027-01-31"})
		r := w.makeBox(t, map[string]any{"product_id": w.rice.ID, "quantity": 12.5})
		pdf := func(query, token string) []byte {
			t.Helper()
			rec := w.do("GET", "/api/v1/labels.pdf?"+query, token, nil)
			if rec.Code != 200 {
				t.Fatalf("labels.pdf?%s: %d %s", query, rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("Content-Type %q", ct)
			}
			if !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
				t.Fatalf("not a PDF: %.20q", rec.Body.Bytes())
			}
			return rec.Body.Bytes()
		}
		pdf("codes="+a.Code+","+strings.ToLower(r.Code), w.viewer)
		pdf("codes="+a.Code+"&codes="+r.Code+"&format=thermal62", w.viewer)
		pdf("codes="+a.Code+"&start=24", w.viewer) // the last place of a part-used sheet

		countBlank := func() int {
			var n int
			if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM label_codes WHERE base_id = ? AND box_id IS NULL", w.base.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		pdf("blank=3", w.warehouse)
		if n := countBlank(); n != 3 {
			t.Fatalf("%d blank labels reserved, want 3", n)
		}
		// A reserved label makes a box.
		var code string
		if err := d.QueryRow(context.Background(), "SELECT code FROM label_codes WHERE base_id = ? AND box_id IS NULL ORDER BY code LIMIT 1", w.base.ID).Scan(&code); err != nil {
			t.Fatal(err)
		}
		if b := w.makeBox(t, map[string]any{"code": strings.ToLower(code)}); b.Code != code {
			t.Errorf("box made with label %s has code %s", code, b.Code)
		}
		refused(t, w.do("POST", "/api/v1/boxes", w.warehouse, map[string]any{"code": code, "product_id": w.jackets.ID, "size": "M", "location_id": w.shelf.ID}),
			409, "conflict", "already in use")

		for _, tc := range []struct{ query, token, code, msg string }{
			{"", w.viewer, "invalid", "codes"},
			{"codes=" + a.Code + "&blank=2", w.warehouse, "invalid", "not both"},
			{"codes=" + a.Code + "&format=a5", w.viewer, "invalid", "(a4) or a 62 mm thermal roll (thermal62)"},
			{"codes=" + a.Code + "&colour=red", w.viewer, "invalid", `"colour"`},
			{"blank=0", w.warehouse, "invalid", "between 1 and 500"},
			{"blank=lots", w.warehouse, "invalid", `"blank"`},
			{"codes=" + a.Code + "&start=25", w.viewer, "invalid", "from 1 to 24"},
			{"codes=" + a.Code + "," + w.otherBox.Code, w.viewer, "not_found", w.otherBox.Code + ": No box"},
			{"codes=" + mistyped(a.Code), w.viewer, "invalid", mistyped(a.Code) + ": This code was mistyped"},
			{"codes=" + strings.Repeat(a.Code+",", 501), w.viewer, "invalid", "between 1 and 500"},
		} {
			status := map[string]int{"invalid": 400, "not_found": 404}[tc.code]
			refused(t, w.do("GET", "/api/v1/labels.pdf?"+tc.query, tc.token, nil), status, tc.code, tc.msg)
		}
		// Reserving labels is the warehouse's: a viewer may not.
		refused(t, w.do("GET", "/api/v1/labels.pdf?blank=2", w.viewer, nil), 403, "forbidden", "")
		if n := countBlank(); n != 2 {
			t.Errorf("%d blank labels left, want 2: a refused request reserved some", n)
		}
	})
}

func TestRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		b := w.makeBox(t, map[string]any{"items": 4})
		newBox := map[string]any{"product_id": w.jackets.ID, "size": "M", "location_id": w.shelf.ID, "items": 1}

		// A viewer reads everything…
		for _, path := range []string{"/api/v1/boxes", "/api/v1/boxes/" + b.Code, "/api/v1/boxes/" + b.Code + "/history",
			"/api/v1/stock", "/api/v1/products", "/api/v1/locations", "/api/v1/donations"} {
			if rec := w.do("GET", path, w.viewer, nil); rec.Code != 200 {
				t.Errorf("viewer GET %s: %d %s", path, rec.Code, rec.Body)
			}
		}
		// …and changes nothing.
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/boxes", newBox},
			{"PATCH", "/api/v1/boxes/" + b.Code, map[string]any{"version": 1, "location_id": w.van.ID}},
			{"PATCH", "/api/v1/boxes/" + b.Code, map[string]any{"version": 1, "items": 9}},
			{"POST", "/api/v1/boxes/move", map[string]any{"codes": []string{b.Code}, "location_id": w.van.ID}},
			{"POST", "/api/v1/donations", map[string]any{"source": "other", "received_on": "2026-11-21"}},
			// The role is checked before the body is read.
			{"POST", "/api/v1/boxes", `{"not json`},
		} {
			refused(t, w.do(tc.method, tc.path, w.viewer, tc.body), 403, "forbidden", "")
		}
		// The distribution team moves boxes but does not edit them or make them.
		answer[boxJSON](t, w, w.do("PATCH", "/api/v1/boxes/"+b.Code, w.distribution, map[string]any{"version": 1, "location_id": w.van.ID}),
			"PATCH /api/v1/boxes/{code}", 200)
		refused(t, w.do("PATCH", "/api/v1/boxes/"+b.Code, w.distribution, map[string]any{"version": 2, "items": 9}), 403, "forbidden", "")
		refused(t, w.do("POST", "/api/v1/boxes", w.distribution, newBox), 403, "forbidden", "")

		got := w.getBox(t, b.Code)
		if got.Version != 2 || got.Items != 4 || got.Location.ID != w.van.ID {
			t.Errorf("box after refused changes: %+v", got)
		}
		page := answer[listJSON](t, w, w.do("GET", "/api/v1/boxes", w.viewer, nil), "GET /api/v1/boxes", 200)
		if len(page.Boxes) != 1 {
			t.Errorf("%d boxes after refused creations, want 1", len(page.Boxes))
		}
	})
}

func TestOtherOrganisationsBoxIsNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		code := w.otherBox.Code
		refused(t, w.do("GET", "/api/v1/boxes/"+code, w.fixture.token, nil), 404, "not_found", "No box has this code here")
		refused(t, w.do("GET", "/api/v1/boxes/"+code+"/history", w.fixture.token, nil), 404, "not_found", "No box")
		refused(t, w.do("PATCH", "/api/v1/boxes/"+code, w.fixture.token, map[string]any{"version": 1, "location_id": w.shelf.ID}), 404, "not_found", "No box")
		// A well-formed code of no box at all answers the same.
		refused(t, w.do("GET", "/api/v1/boxes/"+stock.NewCode(), w.fixture.token, nil), 404, "not_found", "No box has this code here")
		// Nor does the list or the export show it.
		page := answer[listJSON](t, w, w.do("GET", "/api/v1/boxes", w.fixture.token, nil), "GET /api/v1/boxes", 200)
		if len(page.Boxes) != 0 {
			t.Errorf("list shows %+v", page.Boxes)
		}
		if rec := w.do("GET", "/api/v1/boxes?format=csv", w.fixture.token, nil); strings.Contains(rec.Body.String(), code) {
			t.Error("the export holds another organisation's box")
		}
		if ob, err := w.stock.Box(context.Background(), w.otherActor, code); err != nil || ob.Version != 1 || ob.LocationID != w.otherOrgLoc.ID {
			t.Errorf("the other organisation's box changed: %+v %v", ob, err)
		}
	})
}

func TestBadBoxInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		b := w.makeBox(t, map[string]any{"items": 7})
		patch := func(body any) string {
			t.Helper()
			rec := w.do("PATCH", "/api/v1/boxes/"+b.Code, w.warehouse, body)
			documented(t, w.doc, "PATCH /api/v1/boxes/{code}", 400, rec.Body.Bytes())
			return wantError(t, rec, 400, "invalid")
		}
		for _, tc := range []struct {
			name, msg string
			body      any
		}{
			{"negative items", "between 0 and", map[string]any{"version": 1, "items": -1}},
			{"too many items", "between 0 and", map[string]any{"version": 1, "items": 100001}},
			{"forbidden state change", "cannot go from its current state", map[string]any{"version": 1, "state": "received"}},
			{"unknown state", `"lost-ish"`, map[string]any{"version": 1, "state": "lost-ish"}},
			{"other base's location", "location of this base", map[string]any{"version": 1, "location_id": w.otherBaseLoc.ID}},
			{"other organisation's location", "location of this base", map[string]any{"version": 1, "location_id": w.otherOrgLoc.ID}},
			{"archived location", "location of this base", map[string]any{"version": 1, "location_id": w.archived.ID}},
			{"size not of the product", "sizes", map[string]any{"version": 1, "size": "XXXL"}},
			{"quantity on counted goods", "counted", map[string]any{"version": 1, "quantity": 3}},
			{"bad date", "YYYY-MM-DD", map[string]any{"version": 1, "expires_on": "31/03/2027"}},
			{"no version", `"version"`, map[string]any{"items": 3}},
			{"a move with a good change after it", "between 0 and", map[string]any{"version": 1, "location_id": w.van.ID, "items": -5}},
			{"unknown field", `"colour"`, map[string]any{"version": 1, "colour": "red"}},
			{"string for a number", `"items"`, `{"version":1,"items":"7"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if msg := patch(tc.body); !strings.Contains(msg, tc.msg) {
					t.Errorf("message %q does not say %q", msg, tc.msg)
				}
			})
		}
		if got := w.getBox(t, b.Code); got.Version != 1 || got.Items != 7 || got.Location.ID != w.shelf.ID || got.State != "in_stock" {
			t.Errorf("a refused change changed the box: %+v", got)
		}

		// A refused creation makes no box.
		for _, tc := range []struct {
			name, msg string
			body      map[string]any
		}{
			{"negative items", "between 0 and", map[string]any{"product_id": w.jackets.ID, "size": "M", "location_id": w.shelf.ID, "items": -2}},
			{"no product", "product", map[string]any{"location_id": w.shelf.ID}},
			{"another base's location", "location of this base", map[string]any{"product_id": w.jackets.ID, "size": "M", "location_id": w.otherBaseLoc.ID}},
			{"weighed without quantity", "weight or volume", map[string]any{"product_id": w.rice.ID, "location_id": w.shelf.ID}},
			{"unit of another measure", "unit", map[string]any{"product_id": w.rice.ID, "quantity": 2, "unit": "l", "location_id": w.shelf.ID}},
			{"mistyped label", "mistyped", map[string]any{"code": mistyped(b.Code), "product_id": w.jackets.ID, "size": "M", "location_id": w.shelf.ID}},
		} {
			t.Run("create "+tc.name, func(t *testing.T) {
				refused(t, w.do("POST", "/api/v1/boxes", w.warehouse, tc.body), 400, "invalid", tc.msg)
			})
		}
		page := answer[listJSON](t, w, w.do("GET", "/api/v1/boxes", w.viewer, nil), "GET /api/v1/boxes", 200)
		if len(page.Boxes) != 1 {
			t.Errorf("%d boxes after refused creations, want 1", len(page.Boxes))
		}

		// Codes: mistyped, not a code, unknown.
		wrong := mistyped(b.Code)
		refused(t, w.do("GET", "/api/v1/boxes/"+wrong, w.viewer, nil), 400, "invalid", "mistyped")
		refused(t, w.do("GET", "/api/v1/boxes/HELLO", w.viewer, nil), 400, "invalid", "not a box code")
		refused(t, w.do("GET", "/api/v1/boxes/"+stock.NewCode(), w.viewer, nil), 404, "not_found", "No box")
		documented(t, w.doc, "GET /api/v1/boxes/{code}", 400, w.do("GET", "/api/v1/boxes/"+wrong, w.viewer, nil).Body.Bytes())
	})
}

func TestStaleVersionConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		b := w.makeBox(t, map[string]any{"items": 8})
		// Two volunteers read version 1. The first saves.
		first := answer[boxJSON](t, w, w.do("PATCH", "/api/v1/boxes/"+b.Code, w.warehouse, map[string]any{"version": 1, "items": 5}),
			"PATCH /api/v1/boxes/{code}", 200)
		if first.Version != 2 {
			t.Fatalf("first save: %+v", first)
		}
		// The second is refused, with the box as it is now.
		rec := w.do("PATCH", "/api/v1/boxes/"+b.Code, w.fixture.token, map[string]any{"version": 1, "location_id": w.van.ID, "items": 9})
		e := answer[struct {
			Error errJSON `json:"error"`
		}](t, w, rec, "PATCH /api/v1/boxes/{code}", 409).Error
		if e.Code != "conflict" || !strings.Contains(e.Message, "Someone else changed this box") {
			t.Errorf("conflict = %+v", e)
		}
		if e.Current == nil || e.Current.Code != b.Code || e.Current.Version != 2 || e.Current.Items != 5 || e.Current.Location.ID != w.shelf.ID {
			t.Fatalf("current = %+v", e.Current)
		}
		// The first one's change is kept, the second's is not applied.
		if got := w.getBox(t, b.Code); got.Version != 2 || got.Items != 5 || got.Location.ID != w.shelf.ID {
			t.Errorf("after the conflict: %+v", got)
		}
		// Retrying with the current version works.
		answer[boxJSON](t, w, w.do("PATCH", "/api/v1/boxes/"+b.Code, w.fixture.token, map[string]any{"version": e.Current.Version, "location_id": w.van.ID}),
			"PATCH /api/v1/boxes/{code}", 200)
	})
}

// makeBoxes makes n boxes through the domain, every third tagged winter and
// every fourth reserved, and returns their codes.
func makeBoxes(t *testing.T, w *wh, n int) (all, winter []string) {
	t.Helper()
	ctx := context.Background()
	nbs := make([]stock.NewBox, n)
	for i := range nbs {
		nbs[i] = stock.NewBox{ProductID: w.jackets.ID, Size: w.sizes[i%len(w.sizes)], Items: int64(i), LocationID: w.shelf.ID}
		if i%3 == 0 {
			nbs[i].Tags = []string{"winter"}
		}
		if i == 1 {
			nbs[i].Tags = []string{"=1+1"} // a would-be formula
		}
	}
	var bs []stock.Box
	for start := 0; start < n; start += 500 {
		made, err := w.stock.CreateBoxes(ctx, w.sys, nbs[start:min(start+500, n)])
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, made...)
	}
	var reserve []string
	for i, b := range bs {
		all = append(all, b.Code)
		if i%3 == 0 {
			winter = append(winter, b.Code)
		}
		if i%4 == 0 {
			reserve = append(reserve, b.Code)
		}
	}
	for start := 0; start < len(reserve); start += 500 {
		if _, err := w.stock.SetState(ctx, w.sys, reserve[start:min(start+500, len(reserve))], stock.Reserved); err != nil {
			t.Fatal(err)
		}
	}
	return all, winter
}

func TestPaginationWalksEveryBoxOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		all, winter := makeBoxes(t, w, 23)
		walk := func(query string) []string {
			t.Helper()
			var seen []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatal("the walk does not end")
				}
				q := query
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				page := answer[listJSON](t, w, w.do("GET", "/api/v1/boxes?"+q, w.viewer, nil), "GET /api/v1/boxes", 200)
				for _, b := range page.Boxes {
					seen = append(seen, b.Code)
				}
				if page.NextCursor == nil {
					return seen
				}
				if len(page.Boxes) == 0 {
					t.Fatal("an empty page with a next cursor")
				}
				cursor = *page.NextCursor
			}
		}
		same := func(name string, got, want []string) {
			t.Helper()
			g, x := slices.Clone(got), slices.Clone(want)
			slices.Sort(g)
			slices.Sort(x)
			if !slices.Equal(g, x) || len(slices.Compact(slices.Clone(g))) != len(g) {
				t.Errorf("%s: walked %d boxes %v, want each of %d once", name, len(got), got, len(want))
			}
		}
		got := walk("limit=5")
		same("all", got, all)
		// Newest first.
		if got[0] != all[len(all)-1] {
			t.Errorf("the first box listed is %s, want the newest %s", got[0], all[len(all)-1])
		}
		same("winter", walk("limit=2&tag=winter"), winter)
		same("one page", walk("limit=1000"), all)
		same("default limit", walk("product="+fmt.Sprint(w.jackets.ID)), all)
		var reserved, inStockOrReserved []string
		for i, c := range all {
			if i%4 == 0 {
				reserved = append(reserved, c)
			}
			inStockOrReserved = append(inStockOrReserved, c)
		}
		same("reserved", walk("limit=3&state=reserved"), reserved)
		same("two states", walk("limit=4&state=in_stock&state=reserved"), inStockOrReserved)
		same("two states, commas", walk("state=in_stock,reserved"), inStockOrReserved)
		same("size", walk("limit=3&size="+w.sizes[0]), everyNth(all, len(w.sizes)))
		same("gender", walk("gender=male&category="+fmt.Sprint(w.jackets.CategoryID)+"&location="+fmt.Sprint(w.shelf.ID)), all)
		same("none", walk("gender=girl"), nil)
		same("created today", walk("created_from=2000-01-01&created_to=2100-01-01"), all)
		same("created later", walk("created_from=2100-01-01"), nil)
		same("created before, RFC 3339", walk("created_to=2000-01-01T00:00:00Z"), nil)
	})
}

// mistyped is a code with its check symbol changed, as a slip of the pen
// would.
func mistyped(code string) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	return code[:8] + string(alphabet[(strings.IndexByte(alphabet, code[8])+1)%len(alphabet)])
}

func everyNth(s []string, n int) []string {
	var out []string
	for i := 0; i < len(s); i += n {
		out = append(out, s[i])
	}
	return out
}

func TestListQueryErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		for _, tc := range []struct{ query, msg, field string }{
			{"limit=0", "between 1 and 1000", "limit"},
			{"limit=5000", "between 1 and 1000", "limit"},
			{"limit=-1", "between 1 and 1000", "limit"},
			{"limit=ten", "between 1 and 1000", "limit"},
			{"cursor=garbage!", "page link is not valid", "cursor"},
			{"cursor=-5", "page link is not valid", "cursor"},
			{"state=foo", `"foo"`, "state"},
			{"state=in_stock&state=foo", "in_stock, reserved", "state"},
			{"state=in_stock,foo", `"foo"`, "state"},
			{"gender=martian", `"martian"`, "gender"},
			{"product=abc", `"abc"`, "product"},
			{"product=0", `"0"`, "product"},
			{"location=1.5", `"1.5"`, "location"},
			{"product=1&product=2", `"product" only once`, "product"},
			{"created_from=yesterday", `"yesterday"`, "created_from"},
			{"created_to=2026-13-01", `"2026-13-01"`, "created_to"},
			{"stat=lost", `"stat"`, "stat"},
			{"format=pdf", "json, csv or xlsx", "format"},
			{"format=csv&limit=10", "leave out limit and cursor", "format"},
			{"format=xlsx&cursor=abc", "leave out limit and cursor", "format"},
			{"format=csv&state=foo", `"foo"`, "state"},
			{"%zz", "query string", ""},
		} {
			t.Run(tc.query, func(t *testing.T) {
				rec := w.do("GET", "/api/v1/boxes?"+tc.query, w.viewer, nil)
				documented(t, w.doc, "GET /api/v1/boxes", 400, rec.Body.Bytes())
				var e struct{ Error errJSON }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || (e.Error.Field == nil) != (tc.field == "") || e.Error.Field != nil && *e.Error.Field != tc.field {
					t.Errorf("field %v, want %q (%v)", e.Error.Field, tc.field, err)
				}
				refused(t, rec, 400, "invalid", tc.msg)
			})
		}
		refused(t, w.do("GET", "/api/v1/donations?limit=0", w.viewer, nil), 400, "invalid", "from 1 to 500")
		refused(t, w.do("GET", "/api/v1/stock?state=gone", w.viewer, nil), 400, "invalid", `"gone"`)
	})
}

func TestExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		all, winter := makeBoxes(t, w, 1234) // more than one page of the domain's 1000
		rec := w.do("GET", "/api/v1/boxes?format=csv&tag=winter", w.fixture.token, nil)
		if rec.Code != 200 {
			t.Fatalf("export: %d %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="boxes-`) || !strings.HasSuffix(cd, `.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		body := rec.Body.Bytes()
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// The coordinator reads French: the header row is in French.
		if !slices.Equal(rows[0], export.BoxColumns("fr", time.UTC)) {
			t.Errorf("header %q, want %q", rows[0], export.BoxColumns("fr", time.UTC))
		}
		var codes []string
		for _, r := range rows[1:] {
			codes = append(codes, r[0])
		}
		slices.Sort(codes)
		want := slices.Clone(winter)
		slices.Sort(want)
		if !slices.Equal(codes, want) {
			t.Errorf("export holds %d boxes, want the %d tagged winter", len(codes), len(want))
		}
		first := rows[len(rows)-1] // the oldest box, number 0: reserved, winter
		// A standard product is named in the export's language.
		if first[0] != all[0] || first[1] != "Manteaux d'hiver" || first[2] != "Vestes et manteaux" || first[3] != i18n.T("fr", "catalog.gender.male") ||
			first[4] != w.sizes[0] || first[7] != "0" || first[8] != "Shelf A1" || first[9] != i18n.T("fr", "stock.state.reserved") || first[10] != "winter" {
			t.Errorf("oldest row %q", first)
		}

		// The whole list as XLSX, in the language asked for.
		rec = w.do("GET", "/api/v1/boxes?format=xlsx", w.viewer, nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != export.XLSX.ContentType() {
			t.Fatalf("xlsx export: %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
		if err != nil {
			t.Fatalf("the XLSX is not a zip: %v", err)
		}
		for _, f := range zr.File {
			if f.Name != "xl/worksheets/sheet1.xml" {
				continue
			}
			rc, _ := f.Open()
			sheet, _ := io.ReadAll(rc)
			rc.Close()
			if n := bytes.Count(sheet, []byte("<row ")); n != len(all)+1 {
				t.Errorf("the sheet has %d rows, want %d boxes and a header", n, len(all)+1)
			}
			if bytes.Contains(sheet, []byte(">=1+1<")) || !bytes.Contains(sheet, []byte(">&#39;=1+1<")) {
				t.Error("a would-be formula reached the sheet unguarded")
			}
		}
	})
}

// TestMethodsOfWarehouseRoutes checks the route table's answers to wrong
// methods on paths that share a prefix with a wildcard.
func TestMethodsOfWarehouseRoutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, tc := range []struct{ method, path, allow string }{
			{"GET", "/api/v1/boxes/move", "POST"},
			{"PATCH", "/api/v1/boxes/move", "POST"},
			{"DELETE", "/api/v1/boxes/7KX3M9PQC", "GET, HEAD, PATCH"},
			{"POST", "/api/v1/boxes/7KX3M9PQC", "GET, HEAD, PATCH"},
			{"DELETE", "/api/v1/boxes", "GET, HEAD, POST"},
			{"POST", "/api/v1/labels.pdf", "GET, HEAD"},
		} {
			w := call(f.h, tc.method, tc.path, f.token, nil)
			wantError(t, w, 405, "method_not_allowed")
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
		}
	})
}

// TestChosenCodeIsNoOracle: a box can be made only with a fresh code or a
// blank label this base printed. Another organisation's box code, another
// organisation's blank label and a code nobody printed get one and the same
// answer, so a stranger cannot learn which codes another organisation holds.
func TestChosenCodeIsNoOracle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		ctx := context.Background()
		theirLabel, err := w.stock.ReserveLabels(ctx, w.otherActor, 1)
		if err != nil {
			t.Fatal(err)
		}
		create := func(code string) *httptest.ResponseRecorder {
			return w.do("POST", "/api/v1/boxes", w.warehouse, map[string]any{"code": code, "product_id": w.jackets.ID, "size": "M", "location_id": w.shelf.ID, "items": 1})
		}
		unprinted := create(stock.NewCode())
		want := unprinted.Body.String()
		documented(t, w.doc, "POST /api/v1/boxes", 400, unprinted.Body.Bytes())
		refused(t, unprinted, 400, "invalid", "not a blank label printed here")
		for name, code := range map[string]string{"their box": w.otherBox.Code, "their blank label": theirLabel[0]} {
			rec := create(code)
			if rec.Code != unprinted.Code || rec.Body.String() != want {
				t.Errorf("%s: %d %s, but a code nobody printed gets %d %s", name, rec.Code, rec.Body, unprinted.Code, want)
			}
		}
		page := answer[listJSON](t, w, w.do("GET", "/api/v1/boxes", w.viewer, nil), "GET /api/v1/boxes", 200)
		if len(page.Boxes) != 0 {
			t.Fatalf("refused codes made boxes: %+v", page.Boxes)
		}
		if ob, err := w.stock.Box(ctx, w.otherActor, w.otherBox.Code); err != nil || ob.Version != 1 {
			t.Errorf("the other organisation's box: %+v %v", ob, err)
		}
		// Our own blank label makes a box once; then it is taken.
		mine, err := w.stock.ReserveLabels(ctx, w.sys, 1)
		if err != nil {
			t.Fatal(err)
		}
		if rec := create(mine[0]); rec.Code != 201 {
			t.Fatalf("a box with our blank label: %d %s", rec.Code, rec.Body)
		}
		refused(t, create(mine[0]), 409, "conflict", "already in use")
		// The other organisation still uses its label as if nothing happened.
		if b, err := w.stock.CreateBox(ctx, w.otherActor, stock.NewBox{Code: theirLabel[0], ProductID: w.jackets.ID, Size: "M", Items: 1, LocationID: w.otherOrgLoc.ID}); err != nil || b.Code != theirLabel[0] {
			t.Errorf("their label after our tries: %+v %v", b, err)
		}
	})
}
