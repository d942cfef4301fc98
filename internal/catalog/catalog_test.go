package catalog_test

import (
	"context"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/testworld"
)

// world is two organisations: org A with bases A1 and A2, org B with base B1,
// and the seeded catalogue.
type world struct {
	d                *db.DB
	cat              *catalog.Service
	a1, a2, b1       access.Actor // administrators
	a1Viewer, a1Dist access.Actor
}

func setup(t *testing.T, d *db.DB) world {
	t.Helper()
	testworld.Catalogue(t, d)
	a1 := testworld.Org(t, d, "org-a", "Org A", "A1")
	return world{
		d: d, cat: catalog.New(d),
		a1:       a1.User(access.Admin),
		a2:       a1.Base("A2").User(access.Admin),
		b1:       testworld.Org(t, d, "org-b", "Org B", "B1").User(access.Admin),
		a1Viewer: a1.User(access.Viewer),
		a1Dist:   a1.User(access.Distribution),
	}
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func findProduct(ps []catalog.Product, name string) (catalog.Product, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return catalog.Product{}, false
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		tables := []string{"size_ranges", "sizes", "units", "categories", "products"}
		want := map[string]int{"size_ranges": 24, "sizes": 179, "units": 11, "categories": 13, "products": 162}
		for run := 1; run <= 2; run++ {
			if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
				t.Fatalf("seed run %d: %v", run, err)
			}
			for _, tb := range tables {
				if n := count(t, d, tb); n != want[tb] {
					t.Errorf("after run %d: %s has %d rows, want %d", run, tb, n, want[tb])
				}
			}
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM products WHERE base_id IS NULL AND org_id IS NULL AND standard_id IS NOT NULL").Scan(&n); err != nil || n != 162 {
			t.Errorf("standard products = %d (%v), want 162", n, err)
		}
	})
}

func TestReadCatalogue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := setup(t, d)
		ps, err := catalog.Products(ctx, d, w.a1Viewer)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 162 {
			t.Fatalf("viewer sees %d products, want 162", len(ps))
		}
		bags, ok := findProduct(ps, "Sleeping Bags")
		if !ok || bags.CategoryName != "Shelter" || bags.Gender != "" || bags.StandardID != 109 || !bags.Standard() || bags.SizeRangeName != "Mixed sizes" {
			t.Errorf("Sleeping Bags = %+v", bags)
		}
		rs, err := catalog.SizeRanges(ctx, d, w.a1Viewer)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]catalog.SizeRange{}
		for _, r := range rs {
			byID[r.ID] = r
		}
		if r := byID[28]; !r.Measured() || r.Measure != "mass" || len(r.Sizes) != 0 {
			t.Errorf("range 28 = %+v, want measured mass without sizes", r)
		}
		if r := byID[29]; r.Measure != "volume" {
			t.Errorf("range 29 = %+v, want volume", r)
		}
		if r := byID[1]; len(r.Sizes) != 7 || r.Sizes[0] != (catalog.Size{Position: 1, Label: "XS"}) || r.Sizes[5].Label != "XXL" || r.Sizes[6].Label != "Mixed" {
			t.Errorf("range 1 sizes = %+v, want XS…XXL, Mixed", r.Sizes)
		}
		us, err := catalog.Units(ctx, d, w.a1Viewer)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 11 || us[0].Symbol != "kg" || us[0].PerBaseUnit != 1 {
			t.Errorf("units = %+v, want 11 starting with kg", us)
		}
		cs, err := catalog.Categories(ctx, d, w.a1Viewer)
		if err != nil || len(cs) != 13 {
			t.Errorf("categories = %d (%v), want 13", len(cs), err)
		}
		if _, err := catalog.Products(ctx, d, access.Actor{}); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("no actor: error = %v, want unauthorized", err)
		}
	})
}

func TestAddProduct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := setup(t, d)
		cs, _ := catalog.Categories(ctx, d, w.a1)
		var shelter int64
		for _, c := range cs {
			if c.Name == "Shelter" {
				shelter = c.ID
			}
		}
		np := catalog.NewProduct{Name: "  Thermal blankets ", CategoryID: shelter, SizeRangeID: 6}
		p, err := w.cat.AddProduct(ctx, w.a1, np)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Thermal blankets" || p.Standard() || p.BaseID != w.a1.BaseID || p.CategoryName != "Shelter" {
			t.Fatalf("added %+v", p)
		}
		h, err := ledger.History(ctx, d, w.a1.OrgID, "product", p.ID, 0)
		if err != nil || len(h) != 1 || h[0].Kind != "product.created" || h[0].ActorID != w.a1.UserID {
			t.Fatalf("history = %+v (%v), want one product.created by the admin", h, err)
		}

		// Only base A1 sees it; base A2 and organisation B do not.
		if ps, _ := catalog.Products(ctx, d, w.a1Viewer); len(ps) != 163 {
			t.Errorf("A1 sees %d products, want 163", len(ps))
		}
		if ps, _ := catalog.Products(ctx, d, w.a2); len(ps) != 162 {
			t.Errorf("A2 sees %d products, want 162", len(ps))
		}
		if ps, _ := catalog.Products(ctx, d, w.b1); len(ps) != 162 {
			t.Errorf("B1 sees %d products, want 162", len(ps))
		}
		_, err = catalog.GetProduct(ctx, d, w.b1, p.ID)
		wantCode(t, err, apperr.NotFound)
		_, err = catalog.GetProduct(ctx, d, w.a2, p.ID)
		wantCode(t, err, apperr.NotFound)

		before := count(t, d, "products")
		beforeLedger := count(t, d, "ledger")
		_, err = w.cat.AddProduct(ctx, w.a1Dist, catalog.NewProduct{Name: "Socks", CategoryID: shelter, SizeRangeID: 6})
		wantCode(t, err, apperr.Forbidden)
		for name, bad := range map[string]catalog.NewProduct{
			"no name":        {Name: "  ", CategoryID: shelter, SizeRangeID: 6},
			"long name":      {Name: string(make([]rune, 101)), CategoryID: shelter, SizeRangeID: 6},
			"control char":   {Name: "Tea\nbags", CategoryID: shelter, SizeRangeID: 6},
			"no category":    {Name: "Tea", CategoryID: 99999, SizeRangeID: 6},
			"no size range":  {Name: "Tea", CategoryID: shelter, SizeRangeID: 99999},
			"unknown gender": {Name: "Tea", CategoryID: shelter, SizeRangeID: 6, Gender: "Female"},
		} {
			_, err := w.cat.AddProduct(ctx, w.a1, bad)
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: error = %v, want invalid", name, err)
			}
		}
		// Same name as a standard product of that category, or as its own.
		_, err = w.cat.AddProduct(ctx, w.a1, catalog.NewProduct{Name: "sleeping bags", CategoryID: shelter, SizeRangeID: 6})
		wantCode(t, err, apperr.Conflict)
		_, err = w.cat.AddProduct(ctx, w.a1, np)
		wantCode(t, err, apperr.Conflict)
		if n := count(t, d, "products"); n != before {
			t.Errorf("refused additions changed products: %d, want %d", n, before)
		}
		if n := count(t, d, "ledger"); n != beforeLedger {
			t.Errorf("refused additions wrote %d ledger events", n-beforeLedger)
		}
		// Another base may use the same name for its own product.
		if _, err := w.cat.AddProduct(ctx, w.a2, np); err != nil {
			t.Errorf("A2 adding its own Thermal blankets: %v", err)
		}
	})
}

func TestHideProduct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := setup(t, d)
		ps, _ := catalog.Products(ctx, d, w.a1)
		duvets, _ := findProduct(ps, "Duvets")

		if err := w.cat.HideProduct(ctx, w.a1, duvets.ID, true); err != nil {
			t.Fatal(err)
		}
		ps, _ = catalog.Products(ctx, d, w.a1Viewer)
		if _, ok := findProduct(ps, "Duvets"); ok || len(ps) != 161 {
			t.Errorf("A1 still sees Duvets (%d products)", len(ps))
		}
		all, _ := catalog.AllProducts(ctx, d, w.a1Viewer)
		if p, ok := findProduct(all, "Duvets"); !ok || !p.Hidden || len(all) != 162 {
			t.Errorf("AllProducts: Duvets = %+v, %d products", p, len(all))
		}
		if ps, _ := catalog.Products(ctx, d, w.a2); len(ps) != 162 {
			t.Errorf("hiding in A1 hid it in A2 too: %d products", len(ps))
		}
		// Hiding again changes nothing and writes nothing.
		if err := w.cat.HideProduct(ctx, w.a1, duvets.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := w.cat.HideProduct(ctx, w.a1, duvets.ID, false); err != nil {
			t.Fatal(err)
		}
		if ps, _ := catalog.Products(ctx, d, w.a1); len(ps) != 162 {
			t.Errorf("after showing again A1 sees %d, want 162", len(ps))
		}
		h, _ := ledger.History(ctx, d, w.a1.OrgID, "product", duvets.ID, 0)
		if len(h) != 2 || h[0].Kind != "product.hidden" || h[1].Kind != "product.shown" {
			t.Errorf("history = %+v, want hidden then shown", h)
		}

		wantCode(t, w.cat.HideProduct(ctx, w.a1Viewer, duvets.ID, true), apperr.Forbidden)
		wantCode(t, w.cat.HideProduct(ctx, w.a1, 999999, true), apperr.NotFound)
		own, err := w.cat.AddProduct(ctx, w.b1, catalog.NewProduct{Name: "B only", CategoryID: duvets.CategoryID, SizeRangeID: 6})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, w.cat.HideProduct(ctx, w.a1, own.ID, true), apperr.NotFound)
		if n := count(t, d, "products_hidden"); n != 0 {
			t.Errorf("refused hides left %d rows", n)
		}
	})
}
