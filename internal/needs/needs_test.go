package needs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
	"abri/internal/ledger"
	"abri/internal/needs"
	"abri/internal/place"
	"abri/internal/stock"
	"abri/internal/testworld"
)

var ctx = context.Background()

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// world is organisation A's base with two sites, a shelf and its people,
// and organisation B with a coordinator, a site and a product of its own.
type world struct {
	t   *testing.T
	d   *db.DB
	nd  *needs.Service
	rs  *distribution.Service
	st  *stock.Service
	clk *clock.Fixed

	coord, dist, wh, viewer, foreign access.Actor

	canal, dunes, foreignSite place.Site
	shelf                     place.Location
	tent, bag, jacket         catalog.Product
	foreignProduct            catalog.Product
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, nd: needs.New(d), rs: distribution.New(d), st: stock.New(d), clk: clock.NewFixed(t0)}
	d.Clock = w.clk
	testworld.Catalogue(t, d)
	a := testworld.Org(t, d, "needs-a", "Needs A", "Calais")
	w.coord = a.User(access.Coordinator)
	w.dist = a.User(access.Distribution)
	w.wh = a.User(access.Warehouse)
	w.viewer = a.User(access.Viewer)
	w.foreign = testworld.Org(t, d, "needs-b", "Needs B", "Dover").User(access.Coordinator)

	pl := place.New(d)
	var err error
	w.canal, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
	w.must(err)
	w.dunes, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Dunes", Kind: place.SiteLiving})
	w.must(err)
	w.foreignSite, err = pl.CreateSite(ctx, w.foreign, place.SiteInput{Name: "Harbour", Kind: place.SiteLiving})
	w.must(err)
	w.shelf, err = pl.CreateLocation(ctx, w.wh, place.LocationInput{Name: "A1", Kind: place.LocationShelf})
	w.must(err)
	w.tent, w.bag, w.jacket = testworld.Shelter(t, d, w.wh)
	w.foreignProduct, err = catalog.New(d).AddProduct(ctx, w.foreign, catalog.NewProduct{Name: "Harbour blankets", CategoryID: w.tent.CategoryID, SizeRangeID: w.tent.SizeRangeID})
	w.must(err)
	testworld.VerifyLedger(t, d)
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// need records a need a minute after the previous one, so age orders them.
func (w *world) need(site place.Site, p catalog.Product, category, quantity, urgency int64) needs.Need {
	w.t.Helper()
	in := needs.Input{SiteID: site.ID, ProductID: p.ID, Quantity: quantity, Urgency: urgency, Source: needs.FromCoordinator}
	if category != 0 {
		in.ProductID, in.CategoryID = 0, category
	}
	n, err := w.nd.Create(ctx, w.coord, in)
	w.must(err)
	w.clk.Advance(time.Minute)
	return n
}

func (w *world) get(n needs.Need) needs.Need {
	w.t.Helper()
	got, err := w.nd.Need(ctx, w.viewer, n.ID)
	w.must(err)
	return got
}

// out is a round at a site, out now, carrying a product.
func (w *world) out(site place.Site, p catalog.Product) distribution.Round {
	w.t.Helper()
	r, err := w.rs.Plan(ctx, w.coord, distribution.PlanInput{SiteID: site.ID, Kind: distribution.KindGoods, StartsAt: t0, EndsAt: t0.Add(time.Hour),
		Lines: []distribution.LineInput{{ProductID: p.ID, Planned: 50}}})
	w.must(err)
	_, err = w.rs.SendOut(ctx, w.dist, r.ID)
	w.must(err)
	return r
}

func (w *world) handOut(r distribution.Round, p catalog.Product, n int64) distribution.Tally {
	w.t.Helper()
	tl, err := w.rs.Record(ctx, w.dist, r.ID, distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: p.ID, Quantity: n})
	w.must(err)
	return tl
}

type want struct {
	met   int64
	state string
}

func (w *world) expect(what string, ns map[string]needs.Need, wants map[string]want) {
	w.t.Helper()
	for name, n := range ns {
		got, wt := w.get(n), wants[name]
		if got.Met != wt.met || got.State != wt.state {
			w.t.Errorf("%s: need %s met %d (%s), want %d (%s)", what, name, got.Met, got.State, wt.met, wt.state)
		}
	}
}

// metEvents sums the need.met events of a need.
func (w *world) metEvents(n needs.Need) (count int, total int64) {
	w.t.Helper()
	evs, err := ledger.Events(ctx, w.d, w.coord.OrgID, "need", n.ID, 0, 1000, false)
	w.must(err)
	for _, e := range evs {
		p, err := e.Decode()
		w.must(err)
		if m, ok := p.(needs.NeedMet); ok {
			count++
			total += m.Quantity
		}
	}
	return count, total
}

// A hand-out meets the site's open needs of its product or its category,
// the most urgent first and, among equals, the oldest; a need goes open →
// partly met → met; an undo gives back exactly what its tally met; a need
// cancelled meanwhile stays cancelled; needs at another site or of another
// category are untouched.
func TestMeetOrderAndUndo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ns := map[string]needs.Need{
			"A tent u2 oldest":    w.need(w.canal, w.tent, 0, 4, 2),
			"B tent u3":           w.need(w.canal, w.tent, 0, 3, 3),
			"C shelter u3":        w.need(w.canal, catalog.Product{}, w.tent.CategoryID, 2, 3),
			"D tent u3 newest":    w.need(w.canal, w.tent, 0, 2, 3),
			"E tent at the dunes": w.need(w.dunes, w.tent, 0, 5, 3),
			"F jackets u3":        w.need(w.canal, w.jacket, 0, 3, 3),
		}
		r := w.out(w.canal, w.tent)
		first := w.handOut(r, w.tent, 6) // B 3, C 2, D 1
		w.expect("after 6 tents", ns, map[string]want{
			"A tent u2 oldest": {0, needs.Open}, "B tent u3": {3, needs.Met}, "C shelter u3": {2, needs.Met},
			"D tent u3 newest": {1, needs.PartlyMet}, "E tent at the dunes": {0, needs.Open}, "F jackets u3": {0, needs.Open}})
		second := w.handOut(r, w.tent, 3) // D 1, A 2
		w.expect("after 3 more", ns, map[string]want{
			"A tent u2 oldest": {2, needs.PartlyMet}, "B tent u3": {3, needs.Met}, "C shelter u3": {2, needs.Met},
			"D tent u3 newest": {2, needs.Met}, "E tent at the dunes": {0, needs.Open}, "F jackets u3": {0, needs.Open}})
		// More than is needed meets what is needed and no more.
		third := w.handOut(r, w.tent, 40)
		w.expect("after 40 more", ns, map[string]want{
			"A tent u2 oldest": {4, needs.Met}, "B tent u3": {3, needs.Met}, "C shelter u3": {2, needs.Met},
			"D tent u3 newest": {2, needs.Met}, "E tent at the dunes": {0, needs.Open}, "F jackets u3": {0, needs.Open}})
		_, err := w.rs.Undo(ctx, w.dist, r.ID, third.ID)
		w.must(err)

		_, err = w.rs.Undo(ctx, w.dist, r.ID, first.ID)
		w.must(err)
		w.expect("after undoing the 6", ns, map[string]want{
			"A tent u2 oldest": {2, needs.PartlyMet}, "B tent u3": {0, needs.Open}, "C shelter u3": {0, needs.Open},
			"D tent u3 newest": {1, needs.PartlyMet}, "E tent at the dunes": {0, needs.Open}, "F jackets u3": {0, needs.Open}})

		w.must(w.nd.Cancel(ctx, w.coord, ns["A tent u2 oldest"].ID))
		_, err = w.rs.Undo(ctx, w.dist, r.ID, second.ID)
		w.must(err)
		w.expect("after cancelling A and undoing the 3", ns, map[string]want{
			"A tent u2 oldest": {2, needs.Cancelled}, "B tent u3": {0, needs.Open}, "C shelter u3": {0, needs.Open},
			"D tent u3 newest": {0, needs.Open}, "E tent at the dunes": {0, needs.Open}, "F jackets u3": {0, needs.Open}})
		if got := w.get(ns["A tent u2 oldest"]).Remaining(); got != 0 {
			t.Errorf("a cancelled need still wants %d", got)
		}
		// Each meet and give-back is an event: B was met once and given
		// back once, to nothing.
		if n, total := w.metEvents(ns["B tent u3"]); n != 2 || total != 0 {
			t.Errorf("need B: %d need.met events adding to %d, want 2 adding to 0", n, total)
		}
		// A cancelled need is not met again.
		w.handOut(r, w.tent, 1)
		if got := w.get(ns["A tent u2 oldest"]); got.Met != 2 || got.State != needs.Cancelled {
			t.Errorf("a cancelled need was met: %+v", got)
		}
	})
}

// The board adds up the open needs per product (and per category, for
// category needs) across sites against the items in stock or received,
// the most urgent rows first and, among them, the biggest shortfall; needs
// met or cancelled leave it; hand-outs shrink it.
func TestBoardShortfall(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		box := func(p catalog.Product, n int64) stock.Box {
			b, err := w.st.CreateBox(ctx, w.wh, stock.NewBox{ProductID: p.ID, Size: "Mixed", Items: n, LocationID: w.shelf.ID})
			w.must(err)
			return b
		}
		box(w.tent, 5)
		box(w.bag, 4)
		scrapped := box(w.tent, 7) // not in hand
		_, err := w.st.SetState(ctx, w.wh, []string{scrapped.Code}, stock.Scrap)
		w.must(err)

		w.need(w.canal, w.tent, 0, 4, 2)
		w.need(w.canal, w.tent, 0, 3, 3)
		w.need(w.dunes, w.tent, 0, 5, 1)
		w.need(w.canal, catalog.Product{}, w.tent.CategoryID, 2, 3)
		w.need(w.canal, w.jacket, 0, 3, 3)
		w.need(w.dunes, w.bag, 0, 10, 1)
		gone := w.need(w.canal, w.bag, 0, 50, 3)
		w.must(w.nd.Cancel(ctx, w.coord, gone.ID))
		// Another organisation's needs are not on this board.
		_, err = w.nd.Create(ctx, w.foreign, needs.Input{SiteID: w.foreignSite.ID, ProductID: w.tent.ID, Quantity: 99, Urgency: 3, Source: needs.FromCoordinator})
		w.must(err)

		type row struct {
			product, category                  int64
			needed, inHand, shortfall, urgency int64
		}
		board := func() []row {
			t.Helper()
			rows, err := w.nd.Board(ctx, w.viewer)
			w.must(err)
			var out []row
			for _, r := range rows {
				out = append(out, row{r.ProductID, r.CategoryID, r.Needed, r.InHand, r.Shortfall(), r.Urgency})
			}
			return out
		}
		check := func(what string, want []row) {
			t.Helper()
			got := board()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: board\n%v\nwant\n%v", what, got, want)
			}
		}
		cat := w.tent.CategoryID
		check("at first", []row{
			{w.tent.ID, cat, 12, 5, 7, 3},
			{w.jacket.ID, w.jacket.CategoryID, 3, 0, 3, 3},
			{0, cat, 2, 9, 0, 3},
			{w.bag.ID, cat, 10, 4, 6, 1},
		})
		r := w.out(w.canal, w.tent)
		w.handOut(r, w.tent, 6) // the canal's u3 tents (3), the category (2), the u2 tents (1)
		// The canal's urgent tents are met, so the tents' row drops to
		// urgency 2, behind the jackets; the category's row is gone.
		check("after 6 tents at the canal", []row{
			{w.jacket.ID, w.jacket.CategoryID, 3, 0, 3, 3},
			{w.tent.ID, cat, 8, 5, 3, 2},
			{w.bag.ID, cat, 10, 4, 6, 1},
		})
		// The other organisation's board holds its own need alone, against
		// its own stock (none), whatever this one's needs and boxes.
		theirs, err := w.nd.Board(ctx, w.foreign)
		w.must(err)
		if len(theirs) != 1 || theirs[0].ProductID != w.tent.ID || theirs[0].Needed != 99 || theirs[0].InHand != 0 {
			t.Errorf("another organisation's board: %+v, want its 99 tents alone, none in hand", theirs)
		}
	})
}

// Cancelling: an open or partly met need can be cancelled once, by those
// who manage needs; a met one cannot; another organisation's is not found,
// and its needs are not listed.
func TestCancelAndScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		open := w.need(w.canal, w.tent, 0, 2, 2)
		met := w.need(w.canal, w.bag, 0, 1, 2)
		r := w.out(w.canal, w.bag)
		w.handOut(r, w.bag, 1)
		if got := w.get(met); got.State != needs.Met {
			t.Fatalf("need not met: %+v", got)
		}

		wantErr(t, w.nd.Cancel(ctx, w.viewer, open.ID), apperr.Forbidden, "")
		wantErr(t, w.nd.Cancel(ctx, w.wh, open.ID), apperr.Forbidden, "")
		wantErr(t, w.nd.Cancel(ctx, w.foreign, open.ID), apperr.NotFound, "")
		wantErr(t, w.nd.Cancel(ctx, w.coord, met.ID), apperr.Conflict, "state")
		wantErr(t, w.nd.Cancel(ctx, w.coord, 987654), apperr.NotFound, "")
		w.must(w.nd.Cancel(ctx, w.dist, open.ID)) // the distribution team records needs too
		if got := w.get(open); got.State != needs.Cancelled {
			t.Errorf("cancelled need is %s", got.State)
		}
		wantErr(t, w.nd.Cancel(ctx, w.coord, open.ID), apperr.Conflict, "state")

		_, err := w.nd.Need(ctx, w.foreign, open.ID)
		wantErr(t, err, apperr.NotFound, "")
		theirs, err := w.nd.List(ctx, w.foreign, needs.Filter{})
		w.must(err)
		if len(theirs) != 0 {
			t.Errorf("another organisation lists %d needs of this one", len(theirs))
		}
		ours, err := w.nd.List(ctx, w.viewer, needs.Filter{OpenOnly: true})
		w.must(err)
		if len(ours) != 0 {
			t.Errorf("open needs: %+v, want none (one cancelled, one met)", ours)
		}
		all, err := w.nd.List(ctx, w.viewer, needs.Filter{SiteID: w.canal.ID})
		w.must(err)
		if len(all) != 2 {
			t.Errorf("the canal's needs: %d, want 2", len(all))
		}
	})
}

// Bad input is refused at its field with a clear message, and changes
// nothing: no row, no event.
func TestBadInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		archived, err := place.New(d).CreateSite(ctx, w.coord, place.SiteInput{Name: "Old wood", Kind: place.SiteLiving})
		w.must(err)
		w.must(place.New(d).ArchiveSite(ctx, w.coord, archived.ID, true))
		count := func() (rows, events int64) {
			t.Helper()
			w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM needs").Scan(&rows))
			w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM ledger WHERE entity = 'need'").Scan(&events))
			return
		}
		rows0, events0 := count()
		good := needs.Input{SiteID: w.canal.ID, ProductID: w.tent.ID, Quantity: 2, Urgency: 2, Source: needs.FromDistribution}
		for _, tc := range []struct {
			name  string
			edit  func(*needs.Input)
			field string
		}{
			{"a negative quantity", func(in *needs.Input) { in.Quantity = -3 }, "quantity"},
			{"no quantity", func(in *needs.Input) { in.Quantity = 0 }, "quantity"},
			{"too many", func(in *needs.Input) { in.Quantity = needs.MaxNeed + 1 }, "quantity"},
			{"urgency 0", func(in *needs.Input) { in.Urgency = 0 }, "urgency"},
			{"urgency 4", func(in *needs.Input) { in.Urgency = needs.MaxUrgency + 1 }, "urgency"},
			{"an unknown source", func(in *needs.Input) { in.Source = "rumour" }, "source"},
			{"no site", func(in *needs.Input) { in.SiteID = 0 }, "site"},
			{"an unknown site", func(in *needs.Input) { in.SiteID = 987654 }, "site"},
			{"an archived site", func(in *needs.Input) { in.SiteID = archived.ID }, "site"},
			{"another organisation's site", func(in *needs.Input) { in.SiteID = w.foreignSite.ID }, "site"},
			{"neither product nor category", func(in *needs.Input) { in.ProductID = 0 }, "product"},
			{"both product and category", func(in *needs.Input) { in.CategoryID = w.tent.CategoryID }, "product"},
			{"a negative product", func(in *needs.Input) { in.ProductID = -1 }, "product"},
			{"an unknown product", func(in *needs.Input) { in.ProductID = 987654 }, "product"},
			{"another organisation's product", func(in *needs.Input) { in.ProductID = w.foreignProduct.ID }, "product"},
			{"an unknown category", func(in *needs.Input) { in.ProductID, in.CategoryID = 0, 987654 }, "category"},
		} {
			in := good
			tc.edit(&in)
			_, err := w.nd.Create(ctx, w.coord, in)
			if apperr.CodeOf(err) != apperr.Invalid || apperr.FieldOf(err) != tc.field {
				t.Errorf("%s: %v (code %s at %q), want invalid at %q", tc.name, err, apperr.CodeOf(err), apperr.FieldOf(err), tc.field)
				continue
			}
			if e := apperr.As(err); e.Key == "" || e.Key == "error.internal" {
				t.Errorf("%s: no clear message (%q)", tc.name, e.Key)
			}
		}
		if rows, events := count(); rows != rows0 || events != events0 {
			t.Errorf("refused input changed something: %d needs and %d events, were %d and %d", rows, events, rows0, events0)
		}
		// Not allowed is refused before the input is read.
		_, err = w.nd.Create(ctx, w.viewer, good)
		wantErr(t, err, apperr.Forbidden, "")
		_, err = w.nd.Create(ctx, w.wh, good)
		wantErr(t, err, apperr.Forbidden, "")
		// And the good input is accepted, for a category too.
		_, err = w.nd.Create(ctx, w.dist, good)
		w.must(err)
		_, err = w.nd.Create(ctx, w.coord, needs.Input{SiteID: w.dunes.ID, CategoryID: w.tent.CategoryID, Quantity: 1, Urgency: 3, Source: needs.FromCoordinator})
		w.must(err)
	})
}

func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s at %q", code, field)
	}
	if apperr.CodeOf(err) != code || apperr.FieldOf(err) != field {
		t.Fatalf("error %v (code %s, field %q); want %s at %q", err, apperr.CodeOf(err), apperr.FieldOf(err), code, field)
	}
}
