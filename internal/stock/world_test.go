package stock_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/ledger"
	"abri/internal/place"
	"abri/internal/stock"
)

var ctx = context.Background()

var t0 = time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)

// world is a warehouse to test in: organisation A with base 1 (where the
// tests work, one user per role) and base 2, organisation B with one base,
// the standard catalogue plus a product weighed in kg, and locations.
type world struct {
	t   *testing.T
	d   *db.DB
	s   *stock.Service
	clk *clock.Fixed

	// Base 1 of organisation A, one actor per role.
	admin, coord, wh, dist, observer, shop, viewer access.Actor
	base2                                          access.Actor // warehouse in organisation A's second base
	foreign                                        access.Actor // warehouse in organisation B

	shelf1, shelf2 place.Location // base 1, in stock
	handout        place.Location // base 1, a distribution point: boxes there are handed out
	bin            place.Location // base 1, boxes there are scrap
	archived       place.Location // base 1, archived
	base2Shelf     place.Location
	foreignShelf   place.Location

	jacket catalog.Product // sizes XS…XXL
	womens catalog.Product // women's winter jackets, XS…XXL
	tent   catalog.Product // "Mixed"
	soap   catalog.Product // base 1's own, weighed in kg
	oil    catalog.Product // base 1's own, measured in litres
	base2P catalog.Product // base 2's own product
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, s: stock.New(d), clk: clock.NewFixed(t0)}
	d.Clock = w.clk
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatalf("seed catalogue: %v", err)
	}
	acc := account.New(d)
	oa, a1, err := acc.CreateOrganisation(ctx, "org-a", "Org A", "Calais warehouse")
	w.must(err)
	sysA := access.SystemActor(oa.ID, a1.ID)
	a2, err := acc.CreateBase(ctx, sysA, "Dunkirk depot")
	w.must(err)
	ob, b1, err := acc.CreateOrganisation(ctx, "org-b", "Org B", "Dover store")
	w.must(err)

	user := func(org, base int64, role access.Role, name string) access.Actor {
		u, err := acc.AddUser(ctx, access.SystemActor(org, base), account.NewUser{
			Email: fmt.Sprintf("%s-%d-%d@example.invalid", role, org, base), Name: name, BaseID: base, Role: role})
		w.must(err)
		return access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}
	}
	w.admin = user(oa.ID, a1.ID, access.Admin, "Camille")
	w.coord = user(oa.ID, a1.ID, access.Coordinator, "Yasmine")
	w.wh = user(oa.ID, a1.ID, access.Warehouse, "Hugo")
	w.dist = user(oa.ID, a1.ID, access.Distribution, "Inès")
	w.observer = user(oa.ID, a1.ID, access.Observer, "Théo")
	w.shop = user(oa.ID, a1.ID, access.Shop, "Léa")
	w.viewer = user(oa.ID, a1.ID, access.Viewer, "Malik")
	w.base2 = user(oa.ID, a2.ID, access.Warehouse, "Jonas")
	w.foreign = user(ob.ID, b1.ID, access.Warehouse, "Ada")

	pl := place.New(d)
	mk := func(a access.Actor, name, kind, state string) place.Location {
		l, err := pl.CreateLocation(ctx, a, place.LocationInput{Name: name, Kind: kind, DefaultState: state})
		w.must(err)
		return l
	}
	w.shelf1 = mk(w.wh, "A1", place.LocationShelf, "")
	w.shelf2 = mk(w.wh, "A2", place.LocationShelf, "")
	w.handout = mk(w.wh, "Distribution point", place.LocationSite, place.StateHandedOut)
	w.bin = mk(w.wh, "Bin", place.LocationRoom, place.StateScrap)
	w.archived = mk(w.wh, "Old shed", place.LocationRoom, "")
	w.must(pl.ArchiveLocation(ctx, w.wh, w.archived.ID, true))
	w.base2Shelf = mk(w.base2, "B2 shelf", place.LocationShelf, "")
	w.foreignShelf = mk(w.foreign, "Foreign shelf", place.LocationShelf, "")

	ps, err := catalog.Products(ctx, d, w.wh)
	w.must(err)
	for _, p := range ps {
		switch {
		case p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale:
			w.jacket = p
		case p.Name == "Winter Jackets" && p.Gender == catalog.GenderFemale:
			w.womens = p
		case p.Name == "Tents":
			w.tent = p
		}
	}
	if w.jacket.ID == 0 || w.womens.ID == 0 || w.tent.ID == 0 {
		t.Fatal("the seeded catalogue has no men's winter jackets or tents")
	}
	cats, err := catalog.Categories(ctx, d, w.wh)
	w.must(err)
	hygiene := int64(0)
	for _, c := range cats {
		if c.Name == "Hygiene" {
			hygiene = c.ID
		}
	}
	rs, err := catalog.SizeRanges(ctx, d, w.wh)
	w.must(err)
	mass, volume := int64(0), int64(0)
	for _, r := range rs {
		switch r.Measure {
		case "mass":
			mass = r.ID
		case "volume":
			volume = r.ID
		}
	}
	cat := catalog.New(d)
	w.soap, err = cat.AddProduct(ctx, w.wh, catalog.NewProduct{Name: "Laundry powder", CategoryID: hygiene, SizeRangeID: mass})
	w.must(err)
	w.oil, err = cat.AddProduct(ctx, w.wh, catalog.NewProduct{Name: "Liquid soap", CategoryID: hygiene, SizeRangeID: volume})
	w.must(err)
	w.base2P, err = cat.AddProduct(ctx, w.base2, catalog.NewProduct{Name: "Dunkirk special", CategoryID: hygiene, SizeRangeID: mass})
	w.must(err)

	// Whatever a test did, the ledger it leaves must verify, every row must
	// match its events (abri verify's replay), and the kept
	// stock totals must add up to the boxes.
	t.Cleanup(func() {
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("ledger after the test: %v, %v, %d rows differ: %v", rep.Broken, err, rep.Differing, rep.Differences)
		}
		checkTotals(t, d)
	})
	return w
}

// checkTotals compares the stock totals with the sums of the boxes.
func checkTotals(t *testing.T, d *db.DB) {
	t.Helper()
	read := func(q string) map[string][3]int64 {
		rows, err := d.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string][3]int64{}
		for rows.Next() {
			var org, base, product, loc int64
			var size, state string
			var v [3]int64
			if err := rows.Scan(&org, &base, &product, &size, &loc, &state, &v[0], &v[1], &v[2]); err != nil {
				t.Fatal(err)
			}
			m[fmt.Sprint(org, base, product, size, loc, state)] = v
		}
		return m
	}
	boxes := read(`SELECT org_id, base_id, product_id, size, location_id, state, COUNT(*), SUM(items), SUM(measure) FROM boxes
		GROUP BY org_id, base_id, product_id, size, location_id, state`)
	totals := read(`SELECT org_id, base_id, product_id, size, location_id, state, boxes, items, measure FROM stock_totals
		WHERE boxes <> 0 OR items <> 0 OR measure <> 0`)
	for k, v := range boxes {
		if totals[k] != v {
			t.Errorf("stock totals of %s: %v, the boxes add up to %v", k, totals[k], v)
		}
	}
	for k, v := range totals {
		if _, ok := boxes[k]; !ok {
			t.Errorf("stock totals of %s: %v, and no box", k, v)
		}
	}
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// jackets makes a box of n men's winter jackets of a size on shelf A1.
func (w *world) jackets(size string, n int64) stock.Box {
	w.t.Helper()
	b, err := w.s.CreateBox(ctx, w.wh, stock.NewBox{ProductID: w.jacket.ID, Size: size, Items: n, LocationID: w.shelf1.ID})
	w.must(err)
	return b
}

// snapshot is everything a refused change must leave as it was.
type snapshot map[string]int64

func (w *world) snap() snapshot {
	w.t.Helper()
	s := snapshot{}
	for name, q := range map[string]string{
		"boxes":         "SELECT COUNT(*) FROM boxes",
		"box versions":  "SELECT COALESCE(SUM(version), 0) FROM boxes",
		"box locations": "SELECT COALESCE(SUM(location_id * id), 0) FROM boxes",
		"box items":     "SELECT COALESCE(SUM(items), 0) FROM boxes",
		"ledger":        "SELECT COUNT(*) FROM ledger",
		"box tags":      "SELECT COUNT(*) FROM box_tags",
		"tags":          "SELECT COUNT(*) FROM tags",
		"used labels":   "SELECT COUNT(*) FROM label_codes WHERE box_id IS NOT NULL",
		"labels":        "SELECT COUNT(*) FROM label_codes",
	} {
		var n int64
		if err := w.d.QueryRow(ctx, q).Scan(&n); err != nil {
			w.t.Fatalf("%s: %v", name, err)
		}
		s[name] = n
	}
	return s
}

func (w *world) unchanged(before snapshot, what string) {
	w.t.Helper()
	after := w.snap()
	for k, v := range before {
		if after[k] != v {
			w.t.Errorf("%s changed %s: %d before, %d after", what, k, v, after[k])
		}
	}
}

// events returns the kinds of the ledger events about one box, oldest first.
func (w *world) events(b stock.Box) []string {
	w.t.Helper()
	es, err := ledger.History(ctx, w.d, w.wh.OrgID, "box", b.ID, 0)
	w.must(err)
	var kinds []string
	for _, e := range es {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

func wantCode(t testing.TB, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); err == nil || got != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func ptr[T any](v T) *T { return &v }
