package distribution_test

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
	"abri/internal/distribution"
	"abri/internal/ledger"
	"abri/internal/needs"
	"abri/internal/place"
	"abri/internal/stock"
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
	foreignSite  place.Site
	shelf        place.Location
	tent, bag    catalog.Product
	jacket       catalog.Product
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, s: distribution.New(d), st: stock.New(d), nd: needs.New(d), clk: clock.NewFixed(t0)}
	d.Clock = w.clk
	w.must(d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }))
	acc := account.New(d)
	oa, a1, err := acc.CreateOrganisation(ctx, "org-a", "Org A", "Calais warehouse")
	w.must(err)
	ob, b1, err := acc.CreateOrganisation(ctx, "org-b", "Org B", "Dover store")
	w.must(err)
	user := func(org, base int64, role access.Role) access.Actor {
		u, err := acc.AddUser(ctx, access.SystemActor(org, base), account.NewUser{
			Email: fmt.Sprintf("%s-%d@example.invalid", role, org), Name: string(role), BaseID: base, Role: role})
		w.must(err)
		return access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}
	}
	w.admin = user(oa.ID, a1.ID, access.Admin)
	w.coord = user(oa.ID, a1.ID, access.Coordinator)
	w.wh = user(oa.ID, a1.ID, access.Warehouse)
	w.dist = user(oa.ID, a1.ID, access.Distribution)
	w.viewer = user(oa.ID, a1.ID, access.Viewer)
	w.foreign = user(ob.ID, b1.ID, access.Coordinator)

	pl := place.New(d)
	w.canal, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
	w.must(err)
	w.dunes, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Dunes", Kind: place.SiteLiving})
	w.must(err)
	w.foreignSite, err = pl.CreateSite(ctx, w.foreign, place.SiteInput{Name: "Harbour", Kind: place.SiteLiving})
	w.must(err)
	w.shelf, err = pl.CreateLocation(ctx, w.wh, place.LocationInput{Name: "A1", Kind: place.LocationShelf})
	w.must(err)

	ps, err := catalog.Products(ctx, d, w.wh)
	w.must(err)
	for _, p := range ps {
		switch {
		case p.Name == "Tents":
			w.tent = p
		case p.Name == "Sleeping Bags":
			w.bag = p
		case p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale:
			w.jacket = p
		}
	}
	if w.tent.ID == 0 || w.bag.ID == 0 || w.jacket.ID == 0 {
		t.Fatal("the seeded catalogue has no tents, sleeping bags or men's winter jackets")
	}
	t.Cleanup(func() {
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("ledger after the test: %v, %v, %d rows differ: %v", rep.Broken, err, rep.Differing, rep.Differences)
		}
	})
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
	r, err := w.s.Plan(ctx, w.coord, distribution.PlanInput{SiteID: w.canal.ID, Kind: kind, Public: true,
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
