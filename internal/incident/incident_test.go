package incident_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/clock"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
	"abri/internal/needs"
	"abri/internal/place"
)

var ctx = context.Background()

var t0 = time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)

type world struct {
	t   testing.TB
	d   *db.DB
	s   *incident.Service
	nd  *needs.Service
	obs access.Actor

	admin, coord, dist, wh, viewer access.Actor
	foreign                        access.Actor // observer in organisation B
	canal, foreignSite             place.Site
	tent, bag                      catalog.Product
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, s: incident.New(d), nd: needs.New(d)}
	d.Clock = clock.NewFixed(t0.Add(6 * time.Hour))
	w.must(d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }))
	acc := account.New(d)
	oa, a1, err := acc.CreateOrganisation(ctx, "org-a", "Org A", "Calais")
	w.must(err)
	ob, b1, err := acc.CreateOrganisation(ctx, "org-b", "Org B", "Dover")
	w.must(err)
	user := func(org, base int64, role access.Role) access.Actor {
		u, err := acc.AddUser(ctx, access.SystemActor(org, base), account.NewUser{
			Email: fmt.Sprintf("%s-%d@example.invalid", role, org), Name: string(role), BaseID: base, Role: role})
		w.must(err)
		return access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}
	}
	w.admin = user(oa.ID, a1.ID, access.Admin)
	w.coord = user(oa.ID, a1.ID, access.Coordinator)
	w.obs = user(oa.ID, a1.ID, access.Observer)
	w.dist = user(oa.ID, a1.ID, access.Distribution)
	w.wh = user(oa.ID, a1.ID, access.Warehouse)
	w.viewer = user(oa.ID, a1.ID, access.Viewer)
	w.foreign = user(ob.ID, b1.ID, access.Observer)
	pl := place.New(d)
	w.canal, err = pl.CreateSite(ctx, w.coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
	w.must(err)
	w.foreignSite, err = pl.CreateSite(ctx, access.SystemActor(ob.ID, b1.ID), place.SiteInput{Name: "Harbour", Kind: place.SiteLiving})
	w.must(err)
	ps, err := catalog.Products(ctx, d, w.coord)
	w.must(err)
	for _, p := range ps {
		switch p.Name {
		case "Tents":
			w.tent = p
		case "Sleeping Bags":
			w.bag = p
		}
	}
	if w.tent.ID == 0 || w.bag.ID == 0 {
		t.Fatal("no tents or sleeping bags in the seeded catalogue")
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

func (w *world) eviction() incident.Input {
	return incident.Input{SiteID: w.canal.ID, Kind: "eviction", StartsAt: t0, EndsAt: t0.Add(5 * time.Hour),
		LegalBasis: "administrative_order", Bailiff: "yes", Interpreter: "no", Notice: "no", RecoveryOffered: "no",
		PeoplePresent: 80, PeopleArrested: 2, BusShelter: 12, ForceUsed: []string{"tear_gas"}, ObserversChecked: 1,
		Forces: []incident.ForceLine{{Force: "riot_police", Vehicles: 8, Officers: 40}, {Force: "cleaning_contractor", Vehicles: 2}},
		Items:  []incident.ItemLine{{ProductID: w.tent.ID, Seized: 4}, {ProductID: w.bag.ID, Seized: 2, Destroyed: 1, Recovered: 1}},
		Notes:  "Convoy arrived at 7:30."}
}

func TestReportOpensNeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id, err := w.s.Report(ctx, w.obs, w.eviction())
		w.must(err)
		got, err := w.s.Get(ctx, w.coord, id)
		w.must(err)
		if got.Kind != "eviction" || got.SiteName != "Canal" || !got.StartsAt.Equal(t0) || len(got.Forces) != 2 || got.Forces[0].Officers != 40 {
			t.Fatalf("incident read back as %+v", got)
		}
		if len(got.Items) != 2 {
			t.Fatalf("items %+v", got.Items)
		}
		lost, replaced, owed := got.Lost()
		if lost != 6 || replaced != 0 || owed != 6 {
			t.Errorf("lost %d replaced %d owed %d, want 6 0 6", lost, replaced, owed)
		}
		ns, err := w.nd.List(ctx, w.coord, needs.Filter{SiteID: w.canal.ID, OpenOnly: true})
		w.must(err)
		want := map[int64]int64{w.tent.ID: 4, w.bag.ID: 2}
		for _, n := range ns {
			if n.Source != needs.FromIncident || want[n.ProductID] != n.Quantity {
				t.Errorf("need %+v", n)
			}
			delete(want, n.ProductID)
		}
		if len(want) != 0 || len(ns) != 2 {
			t.Errorf("needs %+v; missing %v", ns, want)
		}
		list, err := w.s.List(ctx, w.admin, incident.Filter{SiteID: w.canal.ID, Kind: "eviction", From: t0.Add(-time.Hour), To: t0.Add(time.Hour)})
		w.must(err)
		if len(list) != 1 || list[0].ID != id {
			t.Errorf("list %+v", list)
		}
		list, err = w.s.List(ctx, w.admin, incident.Filter{From: t0.Add(time.Hour)})
		w.must(err)
		if len(list) != 0 {
			t.Errorf("list from later %+v", list)
		}
		// The notes stay out of the ledger.
		evs, err := ledger.Events(ctx, d, w.obs.OrgID, "incident", id, 0, 10, false)
		w.must(err)
		if len(evs) != 1 || string(evs[0].Payload) == "" || strings.Contains(string(evs[0].Payload), "Convoy") {
			t.Errorf("events %+v", evs)
		}
	})
}

func TestOnlyObserversCoordinatorsAdminsOfTheOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id, err := w.s.Report(ctx, w.coord, w.eviction())
		w.must(err)
		for _, a := range []access.Actor{w.dist, w.wh, w.viewer, w.foreign} {
			if _, err := w.s.Get(ctx, a, id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s of org %d reads the incident: %v", a.Role, a.OrgID, err)
			}
			if _, err := w.s.List(ctx, a, incident.Filter{}); a.OrgID == w.coord.OrgID && !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s lists incidents: %v", a.Role, err)
			}
			if _, err := w.s.Report(ctx, a, w.eviction()); err == nil {
				t.Errorf("%s of org %d reports an incident", a.Role, a.OrgID)
			}
		}
		if l, err := w.s.List(ctx, w.foreign, incident.Filter{}); err != nil || len(l) != 0 {
			t.Errorf("the other organisation lists %v, %v", l, err)
		}
	})
}

func TestBadInputSavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		cases := []struct {
			field string
			edit  func(*incident.Input)
		}{
			{"ends_at", func(in *incident.Input) { in.EndsAt = in.StartsAt.Add(-time.Minute) }},
			{"people_arrested", func(in *incident.Input) { in.PeopleArrested = -1 }},
			{"forces", func(in *incident.Input) { in.Forces[0].Officers = -3 }},
			{"items", func(in *incident.Input) { in.Items[0].Seized = -4 }},
			{"items", func(in *incident.Input) { in.Items[0].ProductID = 999999 }},
			{"site", func(in *incident.Input) { in.SiteID = w.foreignSite.ID }},
			{"site", func(in *incident.Input) { in.SiteID = 0 }},
			{"kind", func(in *incident.Input) { in.Kind = "party" }},
			{"bailiff", func(in *incident.Input) { in.Bailiff = "maybe" }},
			{"force_used", func(in *incident.Input) { in.ForceUsed = []string{"water cannon"} }},
		}
		for _, c := range cases {
			in := w.eviction()
			c.edit(&in)
			_, err := w.s.Report(ctx, w.obs, in)
			if !apperr.Is(err, apperr.Invalid) || apperr.FieldOf(err) != c.field {
				t.Errorf("%s: got %v at %q", c.field, err, apperr.FieldOf(err))
			}
		}
		var n int
		w.must(d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM incidents) + (SELECT COUNT(*) FROM needs) + (SELECT COUNT(*) FROM incident_items)").Scan(&n))
		if n != 0 {
			t.Errorf("bad input left %d rows", n)
		}
	})
}

func TestOfflineReportAppliesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		body := fmt.Sprintf(`{"kind":"eviction","starts_at":"2026-12-01T07:30:00Z","items":[{"product_id":%d,"seized":4},{"product_id":%d,"seized":2}]}`, w.tent.ID, w.bag.ID)
		c := command.Command{ID: "6f1c2a8e-5b1d-4c1e-9a3b-2d7e8f9a0b1c", Type: incident.CmdReport, Target: command.Target("site", w.canal.ID),
			Payload: json.RawMessage(body), MadeAt: t0}
		for i, want := range []command.Status{command.Applied, command.AlreadyApplied} {
			out, err := command.Apply(ctx, d, w.obs, []command.Command{c})
			w.must(err)
			if out[0].Status != want {
				t.Fatalf("send %d: %+v", i, out[0])
			}
		}
		ns, err := w.nd.List(ctx, w.coord, needs.Filter{SiteID: w.canal.ID})
		w.must(err)
		if len(ns) != 2 {
			t.Errorf("needs after an offline report sent twice: %+v", ns)
		}
		bad := c
		bad.ID, bad.Target = "7f1c2a8e-5b1d-4c1e-9a3b-2d7e8f9a0b1c", command.Target("site", w.foreignSite.ID)
		out, err := command.Apply(ctx, d, w.obs, []command.Command{bad})
		w.must(err)
		if out[0].Status != command.NeedsReview {
			t.Errorf("a report at another organisation's site: %+v", out[0])
		}
	})
}

// A row changed by hand is named by abri verify: the replay knows
// incidents, their forces and their items.
func TestVerifyNamesAChangedRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id, err := w.s.Report(ctx, w.obs, w.eviction())
		w.must(err)
		for _, c := range []struct{ set, undo, table, col string }{
			{"UPDATE incidents SET people_arrested = 9 WHERE id = ?", "UPDATE incidents SET people_arrested = 2 WHERE id = ?", "incidents", "people_arrested"},
			{"UPDATE incident_items SET seized = 40 WHERE incident_id = ? AND seized = 4", "UPDATE incident_items SET seized = 4 WHERE incident_id = ? AND seized = 40", "incident_items", "seized"},
			{"UPDATE incident_force_lines SET officers = 4 WHERE incident_id = ? AND officers = 40", "UPDATE incident_force_lines SET officers = 40 WHERE incident_id = ? AND officers = 4", "incident_force_lines", "officers"},
		} {
			_, err := d.Exec(ctx, c.set, id)
			w.must(err)
			rep, err := ledger.Verify(ctx, d)
			w.must(err)
			found := false
			for _, df := range rep.Differences {
				found = found || strings.Contains(df.String(), c.table) && strings.Contains(df.String(), c.col)
			}
			if rep.OK() || !found {
				t.Errorf("%s.%s changed by hand: verify says %v", c.table, c.col, rep.Differences)
			}
			_, err = d.Exec(ctx, c.undo, id)
			w.must(err)
		}
	})
}
