package distribution_test

import (
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/distribution"
	"abri/internal/needs"
	"abri/internal/stock"
)

// A whole round: planned with a packing list, packed by scanning (boxes
// reserved), out, hand-outs and people counted (one undone), leftovers
// back by scan and by count, the rest marked lost, closed (boxes that did
// not come back handed out); a closed round takes nothing more.
func TestWholeRound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		tents1, tents2, bags := w.box(w.tent, 5), w.box(w.tent, 5), w.box(w.bag, 10)
		r := w.plan(distribution.KindShelter, distribution.LineInput{ProductID: w.tent.ID, Planned: 10}, distribution.LineInput{ProductID: w.bag.ID, Planned: 10})
		if r.State != distribution.Planned {
			t.Fatalf("state %s", r.State)
		}
		for _, b := range []stock.Box{tents1, tents2, bags} {
			p, err := w.s.PackBox(ctx, w.wh, r.ID, b.Code)
			w.must(err)
			if !p.Changed || w.state(b) != stock.Reserved {
				t.Fatalf("packing %s: %+v, state %s", b.Code, p, w.state(b))
			}
		}
		if p, err := w.s.PackBox(ctx, w.wh, r.ID, tents1.Code); err != nil || p.Changed {
			t.Fatalf("packing a box twice: %+v, %v", p, err)
		}
		r, err := w.s.Round(ctx, w.dist, r.ID)
		w.must(err)
		if r.State != distribution.Packing {
			t.Fatalf("after packing: %s", r.State)
		}
		// A tally before the round is out waits for review.
		_, err = w.s.Record(ctx, w.dist, r.ID, distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.tent.ID, Quantity: 1})
		wantErr(t, err, apperr.Conflict, "round")
		_, err = w.s.SendOut(ctx, w.dist, r.ID)
		w.must(err)

		rec := func(in distribution.TallyInput) distribution.Tally {
			t.Helper()
			tl, err := w.s.Record(ctx, w.dist, r.ID, in)
			w.must(err)
			return tl
		}
		rec(distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.tent.ID, Quantity: 6})
		oops := rec(distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.bag.ID, Quantity: 3})
		rec(distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.bag.ID, Quantity: 2})
		rec(distribution.TallyInput{Kind: distribution.TallyPeople, Age: "adult", Gender: "man", Quantity: 4})
		rec(distribution.TallyInput{Kind: distribution.TallyPeople, Quantity: 1})
		if _, err := w.s.Undo(ctx, w.dist, r.ID, oops.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.ComeBack(ctx, w.dist, r.ID)
		w.must(err)
		// Both bags come back in their box (unopened after all); 4 tents
		// come back loose; one of tents2's never does.
		w.must(ret(w, r.ID, bags.Code))
		_, err = w.s.ReturnCount(ctx, w.dist, r.ID, w.tent.ID, 3)
		w.must(err)
		_, err = w.s.Close(ctx, w.dist, r.ID)
		wantErr(t, err, apperr.Conflict, "product")
		_, err = w.s.MarkLost(ctx, w.dist, r.ID, w.tent.ID, 1, "seized")
		w.must(err)
		sum, err := w.s.Summary(ctx, w.viewer, r.ID)
		w.must(err)
		var tl distribution.Line
		for _, l := range sum.Lines {
			if l.ProductID == w.tent.ID {
				tl = l
			}
		}
		if tl.Planned != 10 || tl.Packed != 10 || tl.HandedOut != 6 || tl.Returned() != 3 || tl.Lost != 1 || tl.Unaccounted() != 0 {
			t.Fatalf("tent line %+v", tl)
		}
		// The standard catalogue's products are named in the reader's language.
		if got := tl.Name("ar"); got != "خيام" {
			t.Errorf("the tent line in Arabic is %q", got)
		}
		if sum.PeopleServed() != 5 || sum.Total(func(l distribution.Line) int64 { return l.HandedOut }) != 8 {
			t.Fatalf("summary: %d people, %+v", sum.PeopleServed(), sum.Lines)
		}
		r, err = w.s.Close(ctx, w.dist, r.ID)
		w.must(err)
		if r.State != distribution.Closed {
			t.Fatalf("closed: %s", r.State)
		}
		for _, c := range []struct {
			b    stock.Box
			want stock.State
		}{{tents1, stock.HandedOut}, {tents2, stock.HandedOut}, {bags, stock.InStock}} {
			if b, want := c.b, c.want; w.state(b) != want {
				got := w.state(b)
				t.Errorf("box %s: %s, want %s", b.Code, got, want)
			}
		}
		_, err = w.s.Record(ctx, w.dist, r.ID, distribution.TallyInput{Kind: distribution.TallyPeople, Quantity: 1})
		wantErr(t, err, apperr.Conflict, "round")
		_, err = w.s.PackBox(ctx, w.wh, r.ID, w.box(w.tent, 1).Code)
		wantErr(t, err, apperr.Conflict, "state")
	})
}

func ret(w *world, round int64, code string) error {
	_, err := w.s.ReturnBox(ctx, w.dist, round, code)
	return err
}

// Bad tallies are refused at their field and change nothing.
func TestTallyRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := w.plan(distribution.KindGoods, distribution.LineInput{ProductID: w.tent.ID, Planned: 2})
		_, err := w.s.SendOut(ctx, w.dist, r.ID)
		w.must(err)
		for _, c := range []struct {
			in    distribution.TallyInput
			field string
		}{
			{distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.tent.ID, Quantity: -1}, "quantity"},
			{distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.tent.ID, Quantity: 0}, "quantity"},
			{distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.tent.ID, Quantity: distribution.MaxTally + 1}, "quantity"},
			{distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.bag.ID, Quantity: 1}, "product"},
			{distribution.TallyInput{Kind: distribution.TallyPeople, Age: "elder", Quantity: 1}, "age"},
			{distribution.TallyInput{Kind: distribution.TallyPeople, Gender: "x", Quantity: 1}, "gender"},
			{distribution.TallyInput{Kind: distribution.TallyMeals, Variant: "standard", Quantity: 1}, "kind"},
			{distribution.TallyInput{Kind: "nationality", Quantity: 1}, "kind"},
		} {
			_, err := w.s.Record(ctx, w.dist, r.ID, c.in)
			wantErr(t, err, apperr.Invalid, c.field)
		}
		ts, err := w.s.Tallies(ctx, w.viewer, r.ID, 0)
		w.must(err)
		if len(ts) != 0 {
			t.Fatalf("refused tallies recorded: %+v", ts)
		}
		// Roles and organisations.
		_, err = w.s.Record(ctx, w.viewer, r.ID, distribution.TallyInput{Kind: distribution.TallyPeople, Quantity: 1})
		wantErr(t, err, apperr.Forbidden, "")
		_, err = w.s.Record(ctx, w.foreign, r.ID, distribution.TallyInput{Kind: distribution.TallyPeople, Quantity: 1})
		wantErr(t, err, apperr.NotFound, "")
		_, err = w.s.Round(ctx, w.foreign, r.ID)
		wantErr(t, err, apperr.NotFound, "")
		_, err = w.s.Plan(ctx, w.dist, distribution.PlanInput{SiteID: w.canal.ID, Kind: distribution.KindGoods, StartsAt: t0, EndsAt: t0.Add(time.Hour)})
		wantErr(t, err, apperr.Forbidden, "")
	})
}

// Plans with bad input are refused at their field.
func TestPlanRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ok := distribution.PlanInput{SiteID: w.canal.ID, Kind: distribution.KindGoods, StartsAt: t0, EndsAt: t0.Add(time.Hour)}
		for _, c := range []struct {
			edit  func(*distribution.PlanInput)
			field string
		}{
			{func(in *distribution.PlanInput) { in.SiteID = 0 }, "site"},
			{func(in *distribution.PlanInput) { in.SiteID = w.foreignSite.ID }, "site"},
			{func(in *distribution.PlanInput) { in.Kind = "party" }, "kind"},
			{func(in *distribution.PlanInput) { in.StartsAt = time.Time{} }, "starts_at"},
			{func(in *distribution.PlanInput) { in.EndsAt = in.StartsAt }, "ends_at"},
			{func(in *distribution.PlanInput) { in.EndsAt = in.StartsAt.Add(25 * time.Hour) }, "ends_at"},
			{func(in *distribution.PlanInput) {
				in.Lines = []distribution.LineInput{{ProductID: w.tent.ID, Planned: -2}}
			}, "planned"},
			{func(in *distribution.PlanInput) { in.Lines = []distribution.LineInput{{ProductID: 999999, Planned: 2}} }, "product"},
			{func(in *distribution.PlanInput) {
				in.Kind = distribution.KindMeals
				in.Lines = []distribution.LineInput{{ProductID: w.tent.ID, Planned: 2}}
			}, "lines"},
		} {
			in := ok
			c.edit(&in)
			_, err := w.s.Plan(ctx, w.coord, in)
			wantErr(t, err, apperr.Invalid, c.field)
		}
		rs, err := w.s.Rounds(ctx, w.coord, distribution.Filter{})
		w.must(err)
		if len(rs) != 0 {
			t.Fatalf("refused plans made rounds: %+v", rs)
		}
	})
}

// A kitchen round counts meals by variant and touches no stock; a box
// cannot be packed into it; a cancelled round gives its boxes back.
func TestMealsAndCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		m := w.plan(distribution.KindMeals)
		b := w.box(w.tent, 2)
		_, err := w.s.PackBox(ctx, w.wh, m.ID, b.Code)
		wantErr(t, err, apperr.Invalid, "code")
		_, err = w.s.SendOut(ctx, w.dist, m.ID)
		w.must(err)
		for _, v := range []string{"standard", "standard", "vegetarian", "no_pork"} {
			_, err := w.s.Record(ctx, w.dist, m.ID, distribution.TallyInput{Kind: distribution.TallyMeals, Variant: v, Quantity: 50})
			w.must(err)
		}
		sum, err := w.s.Summary(ctx, w.coord, m.ID)
		w.must(err)
		if sum.MealsServed() != 200 || len(sum.Meals) != 3 || len(sum.Lines) != 0 {
			t.Fatalf("meals: %+v", sum)
		}
		_, err = w.s.ComeBack(ctx, w.dist, m.ID)
		w.must(err)
		_, err = w.s.Close(ctx, w.dist, m.ID)
		w.must(err)

		g := w.plan(distribution.KindGoods)
		_, err = w.s.PackBox(ctx, w.wh, g.ID, b.Code)
		w.must(err)
		// A reserved box cannot go into a second round.
		g2 := w.plan(distribution.KindGoods)
		_, err = w.s.PackBox(ctx, w.wh, g2.ID, b.Code)
		wantErr(t, err, apperr.Conflict, "code")
		_, err = w.s.Cancel(ctx, w.dist, g.ID)
		wantErr(t, err, apperr.Forbidden, "")
		g, err = w.s.Cancel(ctx, w.coord, g.ID)
		w.must(err)
		if g.State != distribution.Cancelled || w.state(b) != stock.InStock {
			t.Fatalf("cancelled: %s, box %s", g.State, w.state(b))
		}
		wk, err := w.s.Weekly(ctx, w.viewer, t0.Add(-7*24*time.Hour), t0.Add(7*24*time.Hour), time.UTC)
		w.must(err)
		var meals int64
		for _, r := range wk {
			meals += r.Meals
		}
		if meals != 200 {
			t.Fatalf("weekly: %+v", wk)
		}
	})
}

// Hand-outs at a site meet its needs, most urgent and oldest first; an
// undo gives back what it met; the board shows the shortfall.
func TestHandoutsMeetNeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		mk := func(a access.Actor, in needs.Input) needs.Need {
			t.Helper()
			n, err := w.nd.Create(ctx, a, in)
			w.must(err)
			w.clk.Advance(time.Minute)
			return n
		}
		old := mk(w.coord, needs.Input{SiteID: w.canal.ID, ProductID: w.tent.ID, Quantity: 4, Urgency: 2, Source: needs.FromCoordinator})
		urgent := mk(w.dist, needs.Input{SiteID: w.canal.ID, ProductID: w.tent.ID, Quantity: 3, Urgency: 3, Source: needs.FromDistribution})
		elsewhere := mk(w.coord, needs.Input{SiteID: w.dunes.ID, ProductID: w.tent.ID, Quantity: 5, Urgency: 3, Source: needs.FromCoordinator})
		_, err := w.nd.Create(ctx, w.viewer, needs.Input{SiteID: w.canal.ID, ProductID: w.tent.ID, Quantity: 1, Urgency: 1, Source: needs.FromCoordinator})
		wantErr(t, err, apperr.Forbidden, "")
		_, err = w.nd.Create(ctx, w.coord, needs.Input{SiteID: w.canal.ID, ProductID: w.tent.ID, Quantity: -1, Urgency: 1, Source: needs.FromCoordinator})
		wantErr(t, err, apperr.Invalid, "quantity")
		_, err = w.nd.Create(ctx, w.coord, needs.Input{SiteID: w.foreignSite.ID, ProductID: w.tent.ID, Quantity: 1, Urgency: 1, Source: needs.FromCoordinator})
		wantErr(t, err, apperr.Invalid, "site")

		w.box(w.tent, 6)
		board := func() int64 {
			t.Helper()
			rows, err := w.nd.Board(ctx, w.viewer)
			w.must(err)
			for _, r := range rows {
				if r.ProductID == w.tent.ID {
					return r.Shortfall()
				}
			}
			return 0
		}
		if got := board(); got != 12-6 {
			t.Fatalf("shortfall %d, want 6", got)
		}
		r := w.plan(distribution.KindShelter, distribution.LineInput{ProductID: w.tent.ID, Planned: 6})
		_, err = w.s.SendOut(ctx, w.dist, r.ID)
		w.must(err)
		tl, err := w.s.Record(ctx, w.dist, r.ID, distribution.TallyInput{Kind: distribution.TallyHandout, ProductID: w.tent.ID, Quantity: 5})
		w.must(err)
		get := func(n needs.Need) needs.Need {
			t.Helper()
			got, err := w.nd.Need(ctx, w.viewer, n.ID)
			w.must(err)
			return got
		}
		if u, o, e := get(urgent), get(old), get(elsewhere); u.State != needs.Met || o.Met != 2 || o.State != needs.PartlyMet || e.Met != 0 {
			t.Fatalf("after 5 handed out: urgent %+v, old %+v, elsewhere %+v", u, o, e)
		}
		if got := board(); got != 7-6 {
			t.Fatalf("shortfall %d, want 1", got)
		}
		_, err = w.s.Undo(ctx, w.dist, r.ID, tl.ID)
		w.must(err)
		if u, o := get(urgent), get(old); u.State != needs.Open || o.State != needs.Open || u.Met+o.Met != 0 {
			t.Fatalf("after undo: urgent %+v, old %+v", u, o)
		}
		_, err = w.nd.Need(ctx, w.foreign, old.ID)
		wantErr(t, err, apperr.NotFound, "")
		w.must(w.nd.Cancel(ctx, w.coord, old.ID))
	})
}
