package web_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/stock"
	"abri/internal/web"
)

// whFixture is the web fixture with a warehouse: the standard catalogue, a
// measured product of the base's own ("Rice", in kg), two shelves and a van,
// a viewer, and a box in the second organisation.
type whFixture struct {
	*fixture
	stock          *stock.Service
	sys            access.Actor
	jacket         catalog.Product // Winter Jackets · Men, sizes XS…XXL
	rice           catalog.Product // measured, kg
	a1, a2, van    place.Location
	viewer         account.User
	otherBox       stock.Box
	otherBoxProdNm string
}

func whSetup(t *testing.T, d *db.DB) *whFixture {
	t.Helper()
	ctx := context.Background()
	f := &whFixture{fixture: setup(t, d), stock: stock.New(d)}
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	f.sys = access.SystemActor(f.org.ID, f.base.ID)
	pl := place.New(d)
	loc := func(actor access.Actor, name, kind string) place.Location {
		l, err := pl.CreateLocation(ctx, actor, place.LocationInput{Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	f.a1, f.a2, f.van = loc(f.sys, "A1", place.LocationShelf), loc(f.sys, "A2", place.LocationShelf), loc(f.sys, "Van 1", place.LocationVan)
	ps, err := catalog.Products(ctx, d, f.sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale {
			f.jacket = p
		}
	}
	if f.jacket.ID == 0 {
		t.Fatal("no Winter Jackets · Male in the catalogue")
	}
	var food int64
	cats, _ := catalog.Categories(ctx, d, f.sys)
	for _, c := range cats {
		if c.Name == "Food & Kitchen" {
			food = c.ID
		}
	}
	rs, _ := catalog.SizeRanges(ctx, d, f.sys)
	var mass int64
	for _, r := range rs {
		if r.Measure == "mass" {
			mass = r.ID
		}
	}
	if f.rice, err = catalog.New(d).AddProduct(ctx, f.sys, catalog.NewProduct{Name: "Rice", CategoryID: food, SizeRangeID: mass}); err != nil {
		t.Fatal(err)
	}
	if f.viewer, err = f.acc.AddUser(ctx, f.sys, account.NewUser{Email: "vic@example.org", Name: "Vic", Password: password,
		BaseID: f.base.ID, Role: access.Viewer}); err != nil {
		t.Fatal(err)
	}
	osys := access.SystemActor(f.other.OrgID, f.other.ID)
	oloc := loc(osys, "Étagère", place.LocationShelf)
	if f.otherBox, err = f.stock.CreateBox(ctx, osys, stock.NewBox{ProductID: f.jacket.ID, Size: "L", Items: 9, LocationID: oloc.ID, Comment: "secret-other-org"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// box makes a box of jackets as the warehouse volunteer Wim.
func (f *whFixture) box(t *testing.T, size string, items int64, loc place.Location) stock.Box {
	t.Helper()
	b, err := f.stock.CreateBox(context.Background(), f.wimActor(), stock.NewBox{ProductID: f.jacket.ID, Size: size, Items: items, LocationID: loc.ID})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *whFixture) wimActor() access.Actor {
	return access.Actor{UserID: f.wh.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Warehouse}
}

func (f *whFixture) current(t *testing.T, code string) stock.Box {
	t.Helper()
	b, err := f.stock.Box(context.Background(), f.sys, code)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *whFixture) countBoxes(t *testing.T) int {
	t.Helper()
	n := 0
	if err := f.stock.Each(context.Background(), f.sys, stock.Filter{}, func(stock.Box) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestSortingModeMakesBoxesAndLabels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")

		form := c.get("/stock/sort")
		expectStatus(t, form, http.StatusOK)
		expectBody(t, form, `name="product.0"`, `<optgroup label="Jackets / Outerwear">`, "Winter Jackets · Men",
			`name="source"`, "never who gave it", "sort.js")

		// Without JavaScript: choose the product, then "Show the sizes".
		step := c.post("/stock/sort", url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "items.0": {"12"}, "sizes": {"1"}})
		expectStatus(t, step, http.StatusOK)
		expectBody(t, step, `<option value="XS">XS</option>`, `<option value="XXL">XXL</option>`, `value="12"`)
		// "Add another box" keeps what was typed and adds a row.
		more := c.post("/stock/sort", url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "items.0": {"12"}, "add": {"1"}})
		expectStatus(t, more, http.StatusOK)
		expectBody(t, more, `name="product.1"`, "Box 2")

		r := c.post("/stock/sort", url.Values{
			"source": {"collection"}, "received_on": {"2026-11-20"}, "weight": {"12,5"}, "count": {""}, "note": {"school drive"},
			"rows":      {"4"},
			"product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"12"}, "location.0": {id(f.a1.ID)}, "tags.0": {"Winter, urgent"},
			"product.1": {id(f.jacket.ID)}, "size.1": {"L"}, "items.1": {"٨"}, "location.1": {id(f.a1.ID)},
			// An empty row is skipped.
			"product.2": {""}, "location.2": {id(f.a1.ID)},
			"product.3": {id(f.rice.ID)}, "quantity.3": {"2,5"}, "unit.3": {"kg"}, "location.3": {id(f.a2.ID)},
		})
		expectStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.location(), "/stock/sorted?codes=") {
			t.Fatalf("after sorting, sent to %q", r.location())
		}
		u, _ := url.Parse(r.location())
		codes := strings.Split(u.Query().Get("codes"), ",")
		if len(codes) != 3 {
			t.Fatalf("%d codes made, want 3: %v", len(codes), codes)
		}
		b0, b1, b2 := f.current(t, codes[0]), f.current(t, codes[1]), f.current(t, codes[2])
		if b0.Size != "M" || b0.Items != 12 || strings.Join(b0.Tags, ",") != "urgent,winter" || b0.LocationID != f.a1.ID {
			t.Errorf("first box %+v", b0)
		}
		if b1.Items != 8 {
			t.Errorf("Arabic-Indic ٨ read as %d items, want 8", b1.Items)
		}
		if b2.MeasureMil != 2500 || b2.LocationID != f.a2.ID {
			t.Errorf("rice box holds %d g at %d", b2.MeasureMil, b2.LocationID)
		}
		ds, _ := f.stock.Donations(context.Background(), f.sys, 10)
		if len(ds) != 1 || ds[0].WeightG != 12500 || ds[0].Boxes != 3 || ds[0].Source != "collection" {
			t.Errorf("donations %+v", ds)
		}

		done := c.get(r.location())
		expectStatus(t, done, http.StatusOK)
		expectBody(t, done, "Boxes made: 3", stock.FormatCode(codes[0]), "Winter Jackets · Men", "2.5 kg",
			`action="/stock/labels.pdf"`, `value="thermal62"`, "Print labels")

		for _, format := range []string{"a4", "thermal62"} {
			pdf := c.get("/stock/labels.pdf?" + url.Values{"codes": {strings.Join(codes, ",")}, "format": {format}}.Encode())
			expectStatus(t, pdf, http.StatusOK)
			if !strings.HasPrefix(pdf.body, "%PDF") || pdf.header.Get("Content-Type") != "application/pdf" {
				t.Errorf("%s labels: %q %q", format, pdf.header.Get("Content-Type"), pdf.body[:min(len(pdf.body), 20)])
			}
		}
		expectStatus(t, c.get("/stock/labels.pdf?codes="+codes[0]+"&format=a5"), http.StatusBadRequest)
		expectStatus(t, c.get("/stock/labels.pdf?codes="+f.otherBox.Code), http.StatusNotFound)

		// "Make a box with this label" prefills the code.
		expectBody(t, c.get("/stock/sort?code="+strings.ToLower(codes[0])), `value="`+codes[0]+`"`)
	})
}

func TestSortingModeBadInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		for name, tc := range map[string]struct {
			form url.Values
			msg  string
		}{
			"not a number": {url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"twelve"}, "location.0": {id(f.a1.ID)}},
				"Box 1: Items: give a whole number."},
			"wrong size in the second box": {url.Values{"rows": {"2"},
				"product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"3"}, "location.0": {id(f.a1.ID)},
				"product.1": {id(f.jacket.ID)}, "size.1": {"4-5"}, "items.1": {"3"}, "location.1": {id(f.a1.ID)}},
				"Box 2: Choose one of the product&#39;s sizes."},
			"negative items": {url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"-4"}, "location.0": {id(f.a1.ID)}},
				"Box 1: The number of items must be between 0 and 100000."},
			"another organisation's location": {url.Values{"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"4"}, "location.0": {id(f.otherBox.LocationID)}},
				"Box 1: Choose a location of this base."},
			"no product": {url.Values{"rows": {"1"}, "items.0": {"4"}, "location.0": {id(f.a1.ID)}},
				"Box 1: Choose a product from the catalogue."},
			"nothing at all": {url.Values{"rows": {"1"}, "location.0": {id(f.a1.ID)}}, "Fill in at least one box."},
			"an amount without a source": {url.Values{"weight": {"3"}, "rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"4"}, "location.0": {id(f.a1.ID)}},
				"Choose where the donation came from."},
		} {
			r := c.post("/stock/sort", tc.form)
			if r.status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", name, r.status)
			}
			if !strings.Contains(r.body, tc.msg) {
				t.Errorf("%s: no %q in the page; alert %q", name, tc.msg, whAlert(r))
			}
			// What was typed is still there.
			if v := tc.form.Get("items.0"); v != "" && !strings.Contains(r.body, `value="`+v+`"`) {
				t.Errorf("%s: the typed items %q are gone", name, v)
			}
		}
		if n := f.countBoxes(t); n != 0 {
			t.Errorf("%d boxes made by refused forms", n)
		}

		// A donation and its boxes are made together: a refused sort records
		// no donation, and sending it again fixed records exactly one.
		form := url.Values{"source": {"individual"}, "received_on": {"2026-11-20"}, "count": {"30"}, "rows": {"1"},
			"product.0": {id(f.jacket.ID)}, "size.0": {"4-5"}, "items.0": {"3"}, "location.0": {id(f.a1.ID)}}
		r := c.post("/stock/sort", form)
		expectStatus(t, r, http.StatusBadRequest)
		if ds, _ := f.stock.Donations(context.Background(), f.sys, 10); len(ds) != 0 {
			t.Fatalf("a refused sort recorded its donation: %+v", ds)
		}
		form.Set("size.0", "S")
		expectStatus(t, c.post("/stock/sort", form), http.StatusSeeOther)
		ds, _ := f.stock.Donations(context.Background(), f.sys, 10)
		if len(ds) != 1 || ds[0].Boxes != 1 {
			t.Errorf("donations after a retry: %+v", ds)
		}
	})
}

func TestBoxPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		b := f.box(t, "M", 12, f.a1)
		c := f.client(t)
		c.mustLogin("wim@example.org")

		r := c.get("/b/" + b.Code)
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, stock.FormatCode(b.Code), "Winter Jackets · Men", "M · 12 items", "A1", "In stock",
			"Wim made the box", `action="/b/`+b.Code+`/move"`, `name="version" value="1"`, "/stock/labels.pdf?codes="+b.Code)
		// Only the states an in-stock box may take are offered.
		states := regexp.MustCompile(`(?s)id="state-to".*?</select>`).FindString(r.body)
		if !strings.Contains(states, `value="reserved"`) || strings.Contains(states, `value="received"`) || strings.Contains(states, `value="in_stock"`) {
			t.Errorf("state choices: %s", states)
		}

		// The code as typed on a phone leads to the box.
		if r := c.get("/b/" + strings.ToLower(b.Code[:4]) + "-" + strings.ToLower(b.Code[4:])); r.location() != "/b/"+b.Code {
			t.Errorf("a lower-case code with a dash goes to %q (%d)", r.location(), r.status)
		}
		// A mistyped code says so.
		wrong := b.Code[:8] + string(otherSymbol(b.Code[8]))
		r = c.get("/b/" + wrong)
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "This code was mistyped")
		expectStatus(t, c.get("/b/NOTACODE"), http.StatusBadRequest)

		// An unknown code says only a label printed here can start a box,
		// and offers nothing to make with it.
		free := stock.NewCode()
		r = c.get("/b/" + free)
		expectStatus(t, r, http.StatusNotFound)
		expectBody(t, r, "No box has this code here.", "Only a blank label printed here")
		expectNotBody(t, r, "/stock/sort?code=")
		// A blank label of this base too.
		blank, err := f.stock.ReserveLabels(context.Background(), f.wimActor(), 1)
		if err != nil {
			t.Fatal(err)
		}
		r = c.get("/b/" + blank[0])
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "This label is blank", "/stock/sort?code="+blank[0])

		// Another organisation's box is not found, and shows nothing of it.
		r = c.get("/b/" + f.otherBox.Code)
		expectStatus(t, r, http.StatusNotFound)
		expectNotBody(t, r, "secret-other-org", "Étagère")

		// The other organisation cannot see or change ours either.
		o := f.client(t)
		o.mustLogin("olga@example.org")
		expectStatus(t, o.get("/b/"+b.Code), http.StatusNotFound)
		expectStatus(t, o.post("/b/"+b.Code+"/move", url.Values{"version": {"1"}, "location": {id(f.van.ID)}}), http.StatusNotFound)
		expectStatus(t, o.post("/b/"+b.Code, url.Values{"version": {"1"}, "items": {"1"}, "size": {"M"}}), http.StatusNotFound)
		if got := f.current(t, b.Code); got.Version != 1 {
			t.Errorf("another organisation changed the box: %+v", got)
		}
	})
}

// otherSymbol is a code symbol different from s.
func otherSymbol(s byte) byte {
	if s == 'A' {
		return 'B'
	}
	return 'A'
}

func TestBoxEditAndStaleSave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		b := f.box(t, "M", 12, f.a1)
		c := f.client(t)
		c.mustLogin("wim@example.org")

		edit := func(version, items, comment string) response {
			return c.post("/b/"+b.Code, url.Values{"version": {version}, "items": {items}, "size": {"M"}, "expires": {""},
				"comment": {comment}, "tags": {"winter"}})
		}
		r := edit("1", "10", "zip broken on one")
		expectStatus(t, r, http.StatusSeeOther)
		if got := f.current(t, b.Code); got.Items != 10 || got.Comment != "zip broken on one" || got.Version != 2 {
			t.Errorf("after edit %+v", got)
		}
		page := c.get("/b/" + b.Code)
		expectBody(t, page, "Box saved.", "Wim changed it", "Items: 12 → 10", "The comment changed", "Tags: none → winter")

		// Someone else saves first: the second save is refused, the page
		// shows the box as it is now and keeps what was typed.
		r = edit("1", "7", "typed by the slow volunteer")
		expectStatus(t, r, http.StatusConflict)
		expectBody(t, r, "Someone else changed this box", "M · 10 items", `value="7"`, "typed by the slow volunteer",
			"Saved now: 10", `name="version" value="2"`)
		if got := f.current(t, b.Code); got.Items != 10 || got.Version != 2 {
			t.Errorf("a stale save changed the box: %+v", got)
		}

		// Bad input: 400 with the message, nothing changed.
		for items, msg := range map[string]string{"-1": "between 0 and", "lots": "give a whole number"} {
			r := edit("2", items, "")
			expectStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(whAlert(r), msg) {
				t.Errorf("items %q: alert %q", items, whAlert(r))
			}
		}
		r = c.post("/b/"+b.Code, url.Values{"version": {"2"}, "items": {"10"}, "size": {"4-5"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "Choose one of the product&#39;s sizes.")
		if got := f.current(t, b.Code); got.Version != 2 {
			t.Errorf("refused edits changed the box: %+v", got)
		}
	})
}

func TestBoxMoveAndState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		b := f.box(t, "L", 5, f.a1)
		c := f.client(t)
		c.mustLogin("wim@example.org")

		r := c.post("/b/"+b.Code+"/move", url.Values{"version": {"1"}, "location": {id(f.van.ID)}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, c.get("/b/"+b.Code), "Box moved.", "Wim moved it from A1 to Van 1")

		r = c.post("/b/"+b.Code+"/state", url.Values{"version": {"2"}, "state": {"reserved"}})
		expectStatus(t, r, http.StatusSeeOther)
		expectBody(t, c.get("/b/"+b.Code), "Wim changed its state from In stock to Reserved")

		// A state the box may not take from its own: 400, nothing changed.
		r = c.post("/b/"+b.Code+"/state", url.Values{"version": {"3"}, "state": {"not_delivered"}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "A box cannot go from its current state to that one.")
		r = c.post("/b/"+b.Code+"/move", url.Values{"version": {"3"}, "location": {id(f.otherBox.LocationID)}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "Choose a location of this base.")
		// A quick action on an old version is stale.
		r = c.post("/b/"+b.Code+"/move", url.Values{"version": {"1"}, "location": {id(f.a2.ID)}})
		expectStatus(t, r, http.StatusConflict)
		expectBody(t, r, "Someone else changed this box", "Van 1")
		if got := f.current(t, b.Code); got.Version != 3 || got.LocationID != f.van.ID || got.State != stock.Reserved {
			t.Errorf("refused changes changed the box: %+v", got)
		}
	})
}

func TestViewerSeesButCannotChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		b := f.box(t, "M", 12, f.a1)
		c := f.client(t)
		c.mustLogin("vic@example.org")

		page := c.get("/b/" + b.Code)
		expectStatus(t, page, http.StatusOK)
		expectBody(t, page, "Winter Jackets · Men", "Wim made the box")
		expectNotBody(t, page, `action="/b/`+b.Code+`/move"`, `action="/b/`+b.Code+`"`)
		for _, path := range []string{"/stock", "/stock/boxes", "/scan", "/stock/locations", "/stock/products"} {
			expectStatus(t, c.get(path), http.StatusOK)
		}
		expectStatus(t, c.get("/stock/sort"), http.StatusForbidden)
		expectStatus(t, c.get("/stock/labels/blank"), http.StatusForbidden)
		for path, form := range map[string]url.Values{
			"/b/" + b.Code:                                 {"version": {"1"}, "items": {"1"}, "size": {"M"}},
			"/b/" + b.Code + "/move":                       {"version": {"1"}, "location": {id(f.van.ID)}},
			"/b/" + b.Code + "/state":                      {"version": {"1"}, "state": {"lost"}},
			"/stock/sort":                                  {"rows": {"1"}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"}, "items.0": {"1"}, "location.0": {id(f.a1.ID)}},
			"/stock/bulk":                                  {"codes": {b.Code}, "action": {"move"}, "location": {id(f.van.ID)}},
			"/stock/labels/blank":                          {"count": {"2"}, "format": {"a4"}},
			"/stock/locations":                             {"name": {"Attic"}, "kind": {"room"}},
			"/stock/locations/" + id(f.a1.ID):              {"name": {"B1"}, "kind": {"shelf"}},
			"/stock/locations/" + id(f.a1.ID) + "/archive": {},
			"/stock/products":                              {"name": {"Tea"}, "category": {"1"}, "size_range": {"6"}},
			"/stock/products/" + id(f.jacket.ID) + "/hide": {},
		} {
			r := c.post(path, form)
			if r.status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d, want 403", path, r.status)
			}
		}
		if got := f.current(t, b.Code); got.Version != 1 {
			t.Errorf("the viewer changed the box: %+v", got)
		}
		if n := f.countBoxes(t); n != 1 {
			t.Errorf("the viewer made boxes: %d", n)
		}
	})
}

func TestScanPageAndBulkMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		b1, b2, b3 := f.box(t, "S", 3, f.a1), f.box(t, "M", 4, f.a1), f.box(t, "L", 5, f.a2)
		c := f.client(t)
		c.mustLogin("wim@example.org")

		r := c.get("/scan")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, `action="/scan"`, `name="code"`, "scan.js", `data-decoder="/static/`)
		expectNotBody(t, r, "jsQR.js\"></script>") // the decoder loads only when needed

		// Manual entry opens the box, whatever the case and spacing.
		if r := c.get("/scan?code=" + url.QueryEscape(strings.ToLower(stock.FormatCode(b1.Code)))); r.location() != "/b/"+b1.Code {
			t.Errorf("manual entry goes to %q", r.location())
		}
		// A scanned label URL too.
		if r := c.get("/scan?code=" + url.QueryEscape("https://abri.example.org/b/"+b1.Code)); r.location() != "/b/"+b1.Code {
			t.Errorf("a label URL goes to %q", r.location())
		}
		r = c.get("/scan?code=" + b1.Code[:8] + string(otherSymbol(b1.Code[8])))
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "This code was mistyped", `name="code"`)

		multi := c.get("/scan?mode=multi")
		expectStatus(t, multi, http.StatusOK)
		expectBody(t, multi, `action="/stock/bulk"`, `<textarea id="codes" name="codes"`, `value="move"`, "Van 1")

		// Each collected code is checked.
		var chk struct {
			Code  string
			Shown string
			OK    bool
			Text  string
		}
		j := c.get("/stock/check?code=" + strings.ToLower(b1.Code))
		if err := json.Unmarshal([]byte(j.body), &chk); err != nil || !chk.OK || chk.Code != b1.Code || !strings.Contains(chk.Text, "A1") {
			t.Errorf("check a box: %v %+v", err, chk)
		}
		// The list groups the code as the label and the box page do.
		if chk.Shown != stock.FormatCode(b1.Code) || chk.Shown != b1.Code[:3]+" "+b1.Code[3:6]+" "+b1.Code[6:] {
			t.Errorf("check a box: the code is shown as %q", chk.Shown)
		}
		j = c.get("/stock/check?code=" + f.otherBox.Code)
		if err := json.Unmarshal([]byte(j.body), &chk); err != nil || chk.OK || strings.Contains(j.body, "Étagère") {
			t.Errorf("check another organisation's box: %v %s", err, j.body)
		}

		// A bulk move: the boxes move, a mistyped code and another
		// organisation's box are reported and change nothing.
		bad := b3.Code[:8] + string(otherSymbol(b3.Code[8]))
		r = c.post("/stock/bulk", url.Values{"codes": {b1.Code + "\n" + strings.ToLower(b2.Code) + "\n" + bad + "\n" + f.otherBox.Code},
			"action": {"move"}, "location": {id(f.van.ID)}})
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Changed: 2. Not changed: 2.", stock.FormatCode(b1.Code), "Van 1", "This code was mistyped",
			"No box has this code here.", "Try these again")
		for _, b := range []stock.Box{b1, b2} {
			if got := f.current(t, b.Code); got.LocationID != f.van.ID {
				t.Errorf("%s not moved", b.Code)
			}
		}
		if got := f.current(t, b3.Code); got.LocationID != f.a2.ID {
			t.Error("the mistyped code's box moved")
		}
		expectBody(t, c.get("/b/"+b1.Code), "Wim moved it from A1 to Van 1")

		// State and tags in bulk.
		r = c.post("/stock/bulk", url.Values{"codes": {b1.Code + "," + b3.Code}, "action": {"state"}, "state": {"reserved"}})
		expectStatus(t, r, http.StatusOK)
		r = c.post("/stock/bulk", url.Values{"codes": {b1.Code}, "action": {"tag"}, "tag": {"Winter"}})
		expectStatus(t, r, http.StatusOK)
		if got := f.current(t, b1.Code); got.State != stock.Reserved || strings.Join(got.Tags, ",") != "winter" {
			t.Errorf("after bulk state and tag: %+v", got)
		}

		// Nothing to do, or nothing that can be done: 400.
		expectStatus(t, c.post("/stock/bulk", url.Values{"codes": {""}, "action": {"move"}, "location": {id(f.a1.ID)}}), http.StatusBadRequest)
		r = c.post("/stock/bulk", url.Values{"codes": {b2.Code}, "action": {"move"}, "location": {id(f.otherBox.LocationID)}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "Choose a location of this base.")
		expectStatus(t, c.post("/stock/bulk", url.Values{"codes": {b2.Code}, "action": {"burn"}}), http.StatusBadRequest)
		if got := f.current(t, b2.Code); got.LocationID != f.van.ID {
			t.Error("a refused bulk move moved a box")
		}
	})
}

func TestBoxListFiltersPagesAndExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		var nbs []stock.NewBox
		for i := 0; i < 55; i++ {
			loc := f.a1
			if i%5 == 0 {
				loc = f.van
			}
			nbs = append(nbs, stock.NewBox{ProductID: f.jacket.ID, Size: "M", Items: int64(i + 1), LocationID: loc.ID})
		}
		if _, err := f.stock.CreateBoxes(context.Background(), f.wimActor(), nbs); err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		c.mustLogin("wim@example.org")

		r := c.get("/stock/boxes")
		expectStatus(t, r, http.StatusOK)
		if n := strings.Count(r.body, `class="boxlink"`); n != 50 {
			t.Errorf("first page has %d boxes, want 50", n)
		}
		// The count covers every page, the filter's own.
		whole := regexp.MustCompile(`<p class="lede" id="box-total">(\d+) boxes in this list.</p>`).FindStringSubmatch(r.body)
		if whole == nil || whole[1] != "55" {
			t.Errorf("the list's total: %q", whole)
		}
		next := regexp.MustCompile(`href="(/stock/boxes\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(r.body)
		if next == nil {
			t.Fatal("no next page link")
		}
		r2 := c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if n := strings.Count(r2.body, `class="boxlink"`); n != 5 {
			t.Errorf("second page has %d boxes, want 5", n)
		}
		expectNotBody(t, r2, `rel="next"`)
		expectBody(t, r2, "First page")

		r = c.get("/stock/boxes?location=" + id(f.van.ID) + "&state=in_stock")
		expectStatus(t, r, http.StatusOK)
		if n := strings.Count(r.body, `class="boxlink"`); n != 11 {
			t.Errorf("van filter shows %d boxes, want 11", n)
		}
		expectBody(t, r, `id="box-total">11 boxes in this list.</p>`)
		expectBody(t, r, `href="/stock/boxes.csv?location=`+id(f.van.ID)+`&amp;state=in_stock"`)
		expectStatus(t, c.get("/stock/boxes?location="+id(f.otherBox.LocationID)), http.StatusOK)
		expectBody(t, c.get("/stock/boxes?location="+id(f.otherBox.LocationID)), "No box matches these filters.", `id="box-total">0 boxes in this list.</p>`)

		for q, msg := range map[string]string{
			"created_from=yesterday": `Give a date as YYYY-MM-DD (or a time as RFC 3339), not &#34;yesterday&#34;.`,
			"state=exploded":         "Unknown box state &#34;exploded&#34;",
			"cursor=%21%21":          "This page link is not valid",
			"product=abc":            "&#34;abc&#34; is not one of the choices",
			"gender=martian":         "Unknown gender &#34;martian&#34;",
			"created_to=2026-13-01":  "Give a date as YYYY-MM-DD",
			"location=-3":            "&#34;-3&#34; is not one of the choices",
			"category=0":             "&#34;0&#34; is not one of the choices",
			"state=in_stock,nope":    "Unknown box state &#34;nope&#34;",
			"product=1&product=2":    "Give &#34;product&#34; only once.",
		} {
			r := c.get("/stock/boxes?" + q)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, msg) {
				t.Errorf("%s: %d %q", q, r.status, whAlert(r))
			}
		}

		csv := c.get("/stock/boxes.csv?location=" + id(f.van.ID))
		expectStatus(t, csv, http.StatusOK)
		if lines := strings.Count(strings.TrimSpace(csv.body), "\n"); lines != 11 {
			t.Errorf("CSV of the van has %d lines after the header, want 11", lines)
		}
		if !strings.Contains(csv.header.Get("Content-Disposition"), ".csv") || !strings.Contains(csv.body, "Van 1") {
			t.Errorf("CSV: %q", csv.header.Get("Content-Disposition"))
		}
		x := c.get("/stock/boxes.xlsx")
		expectStatus(t, x, http.StatusOK)
		if !strings.HasPrefix(x.body, "PK") {
			t.Error("the XLSX export is not a zip")
		}
		expectStatus(t, c.get("/stock/boxes.csv?created_from=nope"), http.StatusBadRequest)
	})
}

func TestStockOverview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		f.box(t, "M", 10, f.a1)
		f.box(t, "M", 5, f.a1)
		lost := f.box(t, "L", 7, f.a2)
		if _, err := f.stock.CreateBox(context.Background(), f.wimActor(), stock.NewBox{ProductID: f.rice.ID, Quantity: 1500, Unit: "g", LocationID: f.a2.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.stock.SetState(context.Background(), f.wimActor(), []string{lost.Code}, stock.Lost); err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		r := c.get("/stock")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Boxes counted: 3.", "Jackets / Outerwear", "Winter Jackets · Men", "2 boxes · 15 items",
			"Food &amp; Kitchen", "1.5 kg", "/stock/boxes?location="+id(f.a1.ID))
		expectNotBody(t, r, "7 items")
		r = c.get("/stock?state=lost")
		expectBody(t, r, "Boxes counted: 1.", "7 items")
		expectStatus(t, c.get("/stock?state=melted"), http.StatusBadRequest)
	})
}

func TestLocationsAndCatalogueAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		r := c.get("/stock/locations")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "A1", "Van 1", `action="/stock/locations"`)

		expectStatus(t, c.post("/stock/locations", url.Values{"name": {"Attic"}, "kind": {"room"}, "default_state": {"in_stock"}}), http.StatusSeeOther)
		r = c.post("/stock/locations", url.Values{"name": {"attic"}, "kind": {"room"}})
		expectStatus(t, r, http.StatusConflict)
		expectBody(t, r, "already has a location with that name")
		expectStatus(t, c.post("/stock/locations", url.Values{"name": {""}, "kind": {"room"}}), http.StatusBadRequest)
		r = c.post("/stock/locations/"+id(f.a1.ID), url.Values{"name": {"B1"}, "kind": {"shelf"}, "default_state": {"in_stock"}})
		expectStatus(t, r, http.StatusSeeOther)
		r = c.post("/stock/locations/"+id(f.a2.ID), url.Values{"name": {"B1"}, "kind": {"shelf"}})
		expectStatus(t, r, http.StatusConflict)
		expectStatus(t, c.post("/stock/locations/"+id(f.van.ID)+"/archive", nil), http.StatusSeeOther)
		page := c.get("/stock/locations")
		expectBody(t, page, "Location archived.", "B1", "Attic", "archived", `/stock/locations/`+id(f.van.ID)+`/restore`)
		// An archived location is no longer offered for moves.
		b := f.box(t, "M", 1, f.a2)
		expectNotBody(t, c.get("/b/"+b.Code), `value="`+id(f.van.ID)+`"`)
		expectStatus(t, c.post("/stock/locations/"+id(f.otherBox.LocationID)+"/archive", nil), http.StatusNotFound)

		r = c.get("/stock/products")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Winter Jackets · Men", "Rice", "this base", `/stock/products/`+id(f.jacket.ID)+`/hide`)
		expectStatus(t, c.post("/stock/products/"+id(f.jacket.ID)+"/hide", nil), http.StatusSeeOther)
		expectBody(t, c.get("/stock/products"), "Product hidden.", `/stock/products/`+id(f.jacket.ID)+`/show`, "Hidden here: 1.")
		expectNotBody(t, c.get("/stock/sort"), "Winter Jackets · Men<")
		expectStatus(t, c.post("/stock/products/"+id(f.jacket.ID)+"/show", nil), http.StatusSeeOther)

		r = c.post("/stock/products", url.Values{"name": {"Tea"}, "category": {id(f.rice.CategoryID)}, "gender": {""}, "size_range": {id(f.rice.SizeRangeID)}})
		expectStatus(t, r, http.StatusSeeOther)
		r = c.post("/stock/products", url.Values{"name": {""}, "category": {id(f.rice.CategoryID)}, "size_range": {id(f.rice.SizeRangeID)}})
		expectStatus(t, r, http.StatusBadRequest)
		expectBody(t, r, "A product name is required.")
		r = c.post("/stock/products", url.Values{"name": {"tea"}, "category": {id(f.rice.CategoryID)}, "size_range": {id(f.rice.SizeRangeID)}})
		expectStatus(t, r, http.StatusConflict)
		expectBody(t, r, `value="tea"`)
	})
}

func TestBlankLabels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		c := f.client(t)
		c.mustLogin("wim@example.org")
		expectStatus(t, c.get("/stock/labels/blank"), http.StatusOK)
		r := c.post("/stock/labels/blank", url.Values{"count": {"3"}, "format": {"thermal62"}})
		expectStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.body, "%PDF") {
			t.Error("blank labels are not a PDF")
		}
		for form, msg := range map[string]url.Values{
			"Print between 1 and 500 labels at once.": {"count": {"0"}, "format": {"a4"}},
			"How many labels: give a whole number.":   {"count": {"many"}, "format": {"a4"}},
			"Unknown label format":                    {"count": {"2"}, "format": {"a3"}},
			`id="start" aria-invalid="true" autofocus aria-describedby="start-err start-hint"`: {"count": {"2"}, "format": {"a4"}, "start": {"25"}},
		} {
			r := c.post("/stock/labels/blank", msg)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, form) {
				t.Errorf("%v: %d %q", msg, r.status, whAlert(r))
			}
		}
		expectBody(t, c.post("/stock/labels/blank", url.Values{"count": {"2"}, "format": {"a4"}, "start": {"0"}}),
			`<p class="fielderror" id="start-err">Give the position of the first free label on the sheet, from 1 to 24.</p>`)
		r = c.post("/stock/labels/blank", url.Values{"count": {"2"}, "format": {"a4"}, "start": {"23"}})
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "%PDF") {
			t.Errorf("labels from position 23: %d", r.status)
		}
		// /stock/sorted with no codes says where boxes are made.
		r = c.get("/stock/sorted")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "No boxes to show here. Sort donations to make boxes", `href="/stock/sort"`)
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM label_codes").Scan(&n); err != nil || n != 5 {
			t.Errorf("%d label codes reserved (%v), want 3", n, err)
		}
	})
}

// TestPageWeight keeps every page light for a cheap phone on poor signal:
// a cold visit (HTML, stylesheet, scripts and icon, as sent to a browser that
// accepts gzip) under 25 KB, the camera decoder apart (it loads only when
// the browser has no BarcodeDetector). Every page of the route table is
// weighed; a new page must be added here.
func TestPageWeight(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		var nbs []stock.NewBox
		for i := 0; i < 60; i++ {
			nbs = append(nbs, stock.NewBox{ProductID: f.jacket.ID, Size: "XL", Items: 20, LocationID: f.a1.ID, Tags: []string{"winter", "urgent"}})
		}
		boxes, err := f.stock.CreateBoxes(ctx, f.wimActor(), nbs)
		if err != nil {
			t.Fatal(err)
		}
		code := boxes[0].Code
		for i := 0; i < 5; i++ { // a box with a history
			if _, err := f.stock.MoveBoxes(ctx, f.wimActor(), []string{code}, []int64{f.a2.ID, f.a1.ID}[i%2]); err != nil {
				t.Fatal(err)
			}
		}
		admin := access.Actor{UserID: f.admin.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Admin}
		_, secret, err := f.acc.Invite(ctx, admin, account.NewUser{Email: "new@example.org", Name: "New", BaseID: f.base.ID, Role: access.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		roundID := weighRound(t, f.d, admin)
		site, err := place.New(d).CreateSite(ctx, admin, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		incidentID, err := incident.New(d).Report(ctx, admin, incident.Input{SiteID: site.ID, Kind: "eviction", StartsAt: f.d.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		card, _, err := people.IssueCard(ctx, d, admin, people.NewCard{HouseholdSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		anon := f.client(t)
		c := f.client(t)
		c.mustLogin("ada@example.org")
		pages := map[string]string{ // route pattern → an address of it
			"/cards":                "/cards",
			"/cards/log":            "/cards/log",
			"/cards/{id}":           "/cards/" + id(card.ID),
			"/incidents":            "/incidents",
			"/incidents/new":        "/incidents/new",
			"/incidents/{id}":       "/incidents/" + id(incidentID),
			"/incidents/losses":     "/incidents/losses",
			"/incidents/losses.csv": "",
			"/incidents/weekly":     "/incidents/weekly",
			"/incidents/weekly.csv": "",
			"/incidents/forces":     "/incidents/forces",
			// Evidence files are files, not pages.
			"/incidents/{id}/evidence/{file}":          "",
			"/incidents/{id}/evidence/{file}/original": "",
			"/rounds":               "/rounds",
			"/rounds/weekly":        "/rounds/weekly",
			"/rounds/weekly.csv":    "",
			"/rounds/{id}":          "/rounds/" + roundID,
			"/rounds/{id}/tally":    "/rounds/" + roundID + "/tally",
			"/needs":                "/needs",
			"/sw.js":                "",
			"/review":               "/review",
			"/count":                "/count",
			"/count/{site}":         "/count/" + id(site.ID),
			"/sites":                "/sites",
			"/{$}":                  "/",
			"/login":                "/login",
			"/lang":                 "",
			"/settings":             "/settings",
			"/settings/tokens":      "/settings/tokens",
			"/admin/users":          "/admin/users",
			"/admin/users/{id}":     "/admin/users/" + id(f.wh.ID),
			"/invite/{secret}":      "/invite/" + secret,
			"/stock":                "/stock",
			"/stock/boxes":          "/stock/boxes",
			"/stock/boxes.csv":      "",
			"/stock/boxes.xlsx":     "",
			"/stock/sort":           "/stock/sort",
			"/stock/sorted":         "/stock/sorted?codes=" + code,
			"/stock/labels.pdf":     "",
			"/stock/labels/blank":   "/stock/labels/blank",
			"/stock/check":          "",
			"/stock/locations":      "/stock/locations",
			"/stock/products":       "/stock/products",
			"/scan":                 "/scan",
			"/b/{code}":             "/b/" + code,
			"/static/{hash}/{name}": "",
			// weighRound's round is public and out now.
			"/schedule/{org}":            "/schedule/calais-aid?lang=ti",
			"/schedule/{org}/poster.pdf": "",
			"/shop":                      "/shop",
			"/shop/rules":                "/shop/rules",
			"/shop/reports":              "/shop/reports",
			"/shop/reports.csv":          "",
		}
		extra := []string{"/scan?mode=multi", "/no/such/page"}
		var paths []string
		for _, rt := range web.Routes() {
			if rt.Method != "GET" {
				continue
			}
			p, ok := pages[rt.Pattern]
			if !ok {
				t.Errorf("GET %s is not weighed: add it to TestPageWeight", rt.Pattern)
			}
			if p != "" {
				paths = append(paths, p)
			}
		}
		assets := regexp.MustCompile(`(?:href|src)="(/static/[0-9a-f]+/[^"]+\.(?:css|js|svg))"`)
		for _, path := range append(paths, extra...) {
			cl := c
			if strings.HasPrefix(path, "/login") || strings.HasPrefix(path, "/invite/") {
				cl = anon
			}
			page := cl.get(path, "Accept-Encoding", "gzip")
			if page.status >= 500 || page.status == http.StatusSeeOther {
				t.Errorf("%s: status %d", path, page.status)
				continue
			}
			if page.header.Get("Content-Encoding") != "gzip" {
				t.Errorf("%s is not sent compressed (%d bytes)", path, len(page.body))
				continue
			}
			zr, err := gzip.NewReader(strings.NewReader(page.body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			html, _ := io.ReadAll(zr)
			for _, e := range idProblems(string(html)) {
				t.Errorf("%s: %s", path, e)
			}
			total, parts := len(page.body), []string{"html " + strconv.Itoa(len(page.body)) + " of " + strconv.Itoa(len(html))}
			seen := map[string]bool{}
			for _, m := range assets.FindAllStringSubmatch(string(html), -1) {
				if seen[m[1]] || strings.HasSuffix(m[1], "/jsQR.js") {
					continue
				}
				seen[m[1]] = true
				a := cl.get(m[1], "Accept-Encoding", "gzip")
				total += len(a.body)
				parts = append(parts, m[1][strings.LastIndex(m[1], "/")+1:]+" "+strconv.Itoa(len(a.body)))
			}
			t.Logf("page weight %s: %d bytes sent (%s)", path, total, strings.Join(parts, ", "))
			if total > 25_000 {
				t.Errorf("%s weighs %d bytes compressed, over 25 KB", path, total)
			}
		}
	})
}

var (
	startTagRE = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>`)
	attrRE     = regexp.MustCompile(`\s([a-zA-Z_:][a-zA-Z0-9_:.-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
)

// idProblems lists what a screen reader or the HTML checker would trip on in
// a page: an attribute given twice in one element (the browser keeps the
// first, so a field's error or hint is lost), an id used twice, and a label
// or aria-describedby/labelledby pointing at an id the page does not have.
func idProblems(page string) []string {
	var out []string
	ids := map[string]int{}
	var refs [][2]string // attribute, id
	for _, tag := range startTagRE.FindAllStringSubmatch(page, -1) {
		seen := map[string]bool{}
		for _, a := range attrRE.FindAllStringSubmatch(tag[2], -1) {
			name, val := strings.ToLower(a[1]), strings.Trim(a[2], `"'`)
			if seen[name] {
				out = append(out, "<"+tag[1]+"> has "+name+" twice")
			}
			seen[name] = true
			switch name {
			case "id":
				ids[val]++
			case "for", "aria-describedby", "aria-labelledby", "aria-controls":
				for _, ref := range strings.Fields(val) {
					refs = append(refs, [2]string{name, ref})
				}
			}
		}
	}
	for id, n := range ids {
		if n > 1 {
			out = append(out, fmt.Sprintf("id %q is used %d times", id, n))
		}
	}
	for _, r := range refs {
		if ids[r[1]] == 0 {
			out = append(out, r[0]+"="+strconv.Quote(r[1])+" names no element of the page")
		}
	}
	return out
}

var whAlertRE = regexp.MustCompile(`(?s)role="alert"[^>]*>(.*?)</(?:p|div)>`)

// whAlert is the text of a page's alert, whatever element holds it.
func whAlert(r response) string {
	m := whAlertRE.FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " "))
}

// TestSortingWithACodeIsNoOracle: on the sorting screen, another
// organisation's box code, its blank label and a code nobody printed are
// refused with one and the same status and message; only this base's blank
// label makes a box.
func TestSortingWithACodeIsNoOracle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		c := f.client(t)
		c.mustLogin("wim@example.org")
		theirLabel, err := f.stock.ReserveLabels(ctx, access.SystemActor(f.other.OrgID, f.other.ID), 1)
		if err != nil {
			t.Fatal(err)
		}
		sort := func(code string) response {
			return c.post("/stock/sort", url.Values{"rows": {"1"}, "code.0": {code}, "product.0": {id(f.jacket.ID)}, "size.0": {"M"},
				"items.0": {"4"}, "location.0": {id(f.a1.ID)}})
		}
		unprinted := sort(stock.NewCode())
		expectStatus(t, unprinted, http.StatusBadRequest)
		// The message stands at the code field.
		refusal := func(r response) string { return strings.Join(fieldErrorRE.FindStringSubmatch(r.body), " ") }
		want := refusal(unprinted)
		if !strings.Contains(want, "r0-code-err") || !strings.Contains(want, "not a blank label printed here") {
			t.Fatalf("a code nobody printed: field error %q, alert %q", want, whAlert(unprinted))
		}
		for name, code := range map[string]string{"their box": f.otherBox.Code, "their blank label": theirLabel[0]} {
			r := sort(code)
			if r.status != unprinted.status || refusal(r) != want || whAlert(r) != whAlert(unprinted) {
				t.Errorf("%s: %d %q, but a code nobody printed gets %d %q", name, r.status, refusal(r), unprinted.status, want)
			}
			// The page shows nothing of the other organisation's box.
			expectNotBody(t, r, "secret-other-org", "Étagère")
		}
		if n := f.countBoxes(t); n != 0 {
			t.Fatalf("%d boxes made with refused codes", n)
		}
		mine, err := f.stock.ReserveLabels(ctx, f.wimActor(), 1)
		if err != nil {
			t.Fatal(err)
		}
		expectStatus(t, sort(mine[0]), http.StatusSeeOther)
		taken := sort(mine[0])
		expectStatus(t, taken, http.StatusConflict)
		expectBody(t, taken, "already in use")
		if n := f.countBoxes(t); n != 1 {
			t.Errorf("%d boxes, want the one of our label", n)
		}
	})
}

// fieldErrorRE finds a form's message at its field: the field's id, the text.
var fieldErrorRE = regexp.MustCompile(`class="fielderror" id="([^"]+)">([^<]*)</p>`)

// TestBoxHistoryPages: the box page shows its latest changes first, fifty
// at a time, with a way to the older ones and back; a bad page address is
// refused.
func TestBoxHistoryPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		b := f.box(t, "M", 12, f.a1)
		for i := range 55 { // 56 changes with the making
			if _, err := f.stock.MoveBoxes(context.Background(), f.wimActor(), []string{b.Code}, []int64{f.a2.ID, f.a1.ID}[i%2]); err != nil {
				t.Fatal(err)
			}
		}
		c := f.client(t)
		c.mustLogin("wim@example.org")
		r := c.get("/b/" + b.Code)
		expectStatus(t, r, http.StatusOK)
		expectNotBody(t, r, "Wim made the box", "Latest changes")
		older := regexp.MustCompile(`href="(/b/` + b.Code + `\?history=[^"#]+)#history-h" rel="next">Older changes`).FindStringSubmatch(r.body)
		if older == nil {
			t.Fatal("the box page has no link to older changes")
		}
		r = c.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Wim made the box", "Latest changes")
		expectNotBody(t, r, "Older changes")
		if n := strings.Count(r.body, "<time class=\"meta\""); n != 6 {
			t.Errorf("the older page shows %d changes, want 6", n)
		}
		expectStatus(t, c.get("/b/"+b.Code+"?history=%21"), http.StatusBadRequest)
	})
}

// TestStartPageLinksOpen: for every role, each link of the start page and
// of the header opens a page (200), none says "forbidden" or "not found".
// Observers and shop volunteers find their own work as a tab.
func TestStartPageLinksOpen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		emails := map[access.Role]string{access.Admin: "ada@example.org", access.Coordinator: "cleo@example.org",
			access.Warehouse: "wim@example.org", access.Viewer: "vic@example.org"}
		for _, role := range []access.Role{access.Distribution, access.Observer, access.Shop} {
			email := string(role) + "@example.org"
			if _, err := f.acc.AddUser(ctx, f.sys, account.NewUser{Email: email, Name: string(role), Password: password,
				BaseID: f.base.ID, Role: role}); err != nil {
				t.Fatal(err)
			}
			emails[role] = email
		}
		href := regexp.MustCompile(`<a href="(/[^"]*)"`)
		for _, role := range access.Roles {
			c := f.client(t)
			c.mustLogin(emails[role])
			home := c.get("/")
			expectStatus(t, home, http.StatusOK)
			for _, m := range href.FindAllStringSubmatch(home.body, -1) {
				if p := m[1]; p != "/" && !strings.HasPrefix(p, "/static/") {
					if r := c.get(p); r.status != http.StatusOK {
						t.Errorf("%s: the start page links %s, which answers %d", role, p, r.status)
					}
				}
			}
			tab := map[access.Role]string{access.Observer: "/incidents", access.Shop: "/shop"}[role]
			if tab != "" && !strings.Contains(home.body, `<li><a href="`+tab+`">`) {
				t.Errorf("%s: no %s tab in the header", role, tab)
			}
		}
	})
}
