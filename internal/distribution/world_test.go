package distribution_test

import (
	"context"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/distribution"
	"abri/internal/needs"
	"abri/internal/place"
	"abri/internal/stock"
	"abri/internal/testworld"
)

var ctx = context.Background()

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// world is a base with a warehouse and two sites to run rounds in:
// organisation A base 1 (one user per role), and organisation B.
type world struct {
	t   testing.TB
	d   *db.DB
	s   *distribution.Service
	st  *stock.Service
	nd  *needs.Service
	clk *clock.Fixed

	admin, coord, wh, dist, viewer access.Actor
	foreign                        access.Actor // coordinator in organisation B

	canal, dunes place.Site // living sites of base 1
	point        place.Site // a distribution point of base 1
	foreignSite  place.Site
	shelf        place.Location
	tent, bag    catalog.Product
	jacket       catalog.Product
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, s: distribution.New(d), st: stock.New(d), nd: needs.New(d), clk: clock.NewFixed(t0)}
	d.Clock = w.clk
	testworld.Catalogue(t, d)
	a := testworld.Org(t, d, "org-a", "Org A", "Calais warehouse")
	w.admin = a.User(access.Admin)
	w.coord = a.User(access.Coordinator)
	w.wh = a.User(access.Warehouse)
	w.dist = a.User(access.Distribution)
	w.viewer = a.User(access.Viewer)
	w.foreign = testworld.Org(t, d, "org-b", "Org B", "Dover store").User(access.Coordinator)

	pl := place.New(d)
	var err error
	w.canal, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
	w.must(err)
	w.dunes, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Dunes", Kind: place.SiteLiving})
	w.must(err)
	w.point, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Quai", Kind: place.SiteDistribution})
	w.must(err)
	w.foreignSite, err = pl.CreateSite(ctx, w.foreign, place.SiteInput{Name: "Harbour", Kind: place.SiteLiving})
	w.must(err)
	w.shelf, err = pl.CreateLocation(ctx, w.wh, place.LocationInput{Name: "A1", Kind: place.LocationShelf})
	w.must(err)
	w.tent, w.bag, w.jacket = testworld.Shelter(t, d, w.wh)
	testworld.VerifyLedger(t, d)
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// box makes a box of n items of a product on the shelf.
func (w *world) box(p catalog.Product, n int64) stock.Box {
	w.t.Helper()
	size := "Mixed"
	if p.ID == w.jacket.ID {
		size = "M"
	}
	b, err := w.st.CreateBox(ctx, w.wh, stock.NewBox{ProductID: p.ID, Size: size, Items: n, LocationID: w.shelf.ID})
	w.must(err)
	return b
}

// state reads a box's state now.
func (w *world) state(b stock.Box) stock.State {
	w.t.Helper()
	got, err := w.st.Box(ctx, w.wh, b.Code)
	w.must(err)
	return got.State
}

// plan plans a round at the canal today, 18:00 to 19:00.
func (w *world) plan(kind string, lines ...distribution.LineInput) distribution.Round {
	w.t.Helper()
	r, err := w.s.Plan(ctx, w.coord, distribution.PlanInput{SiteID: w.canal.ID, Kind: kind,
		StartsAt: t0.Add(9 * time.Hour), EndsAt: t0.Add(10 * time.Hour), Lines: lines})
	w.must(err)
	return r
}

// wantErr checks an error's code and field.
func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s at %q", code, field)
	}
	if apperr.CodeOf(err) != code || apperr.FieldOf(err) != field {
		t.Fatalf("error %v (code %s, field %q); want %s at %q", err, apperr.CodeOf(err), apperr.FieldOf(err), code, field)
	}
}
