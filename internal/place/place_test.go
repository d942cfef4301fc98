package place_test

import (
	"context"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/place"
	"abri/internal/testworld"
)

// world is organisation A with bases A1 and A2, and organisation B with B1.
type world struct {
	d   *db.DB
	pl  *place.Service
	a1  map[access.Role]access.Actor // one actor per role in A1
	a2  access.Actor                 // coordinator of A2
	b1  access.Actor                 // administrator of B1
	ctx context.Context
}

func setup(t *testing.T, d *db.DB) world {
	t.Helper()
	a1 := testworld.Org(t, d, "org-a", "Org A", "A1")
	w := world{d: d, pl: place.New(d), a1: map[access.Role]access.Actor{}, ctx: context.Background()}
	for _, r := range access.Roles {
		w.a1[r] = a1.User(r)
	}
	w.a2 = a1.Base("A2").User(access.Coordinator)
	w.b1 = testworld.Org(t, d, "org-b", "Org B", "B1").User(access.Admin)
	return w
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Errorf("%s: error = %v, want %s", what, err, code)
	}
}

func kinds(es []ledger.Event) []string {
	var ks []string
	for _, e := range es {
		ks = append(ks, e.Kind)
	}
	return ks
}

func TestSiteLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx, coord := w.ctx, w.a1[access.Coordinator]
		s, err := w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "  Dunes Est ", Kind: place.SiteLiving, Note: "Accès par le chemin côté canal."})
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "Dunes Est" || s.Kind != place.SiteLiving || s.BaseID != coord.BaseID || s.Archived {
			t.Fatalf("created %+v", s)
		}
		got, err := w.pl.Site(ctx, w.a1[access.Viewer], s.ID)
		if err != nil || got.Name != "Dunes Est" || got.Note != "Accès par le chemin côté canal." || got.CreatedAt.IsZero() {
			t.Fatalf("viewer reads %+v, %v", got, err)
		}
		if _, err := w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "Parking des Mouettes", Kind: place.SiteDistribution}); err != nil {
			t.Fatal(err)
		}
		up, err := w.pl.UpdateSite(ctx, w.a1[access.Admin], s.ID, place.SiteInput{Name: "Dunes Est-Nord", Kind: place.SiteLiving})
		if err != nil || up.Name != "Dunes Est-Nord" || up.Note != "" {
			t.Fatalf("update = %+v, %v", up, err)
		}
		// A new name of the same site in other letter case is fine.
		if _, err := w.pl.UpdateSite(ctx, coord, s.ID, place.SiteInput{Name: "dunes est-nord", Kind: place.SiteLiving}); err != nil {
			t.Fatalf("renaming to other case: %v", err)
		}

		list, err := w.pl.Sites(ctx, w.a1[access.Distribution], place.SiteFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("list = %+v, %v", list, err)
		}
		dist, _ := w.pl.Sites(ctx, coord, place.SiteFilter{Kind: place.SiteDistribution})
		if len(dist) != 1 || dist[0].Name != "Parking des Mouettes" {
			t.Errorf("distribution sites = %+v", dist)
		}

		if err := w.pl.ArchiveSite(ctx, coord, s.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := w.pl.ArchiveSite(ctx, coord, s.ID, true); err != nil { // again: nothing happens
			t.Fatal(err)
		}
		list, _ = w.pl.Sites(ctx, coord, place.SiteFilter{})
		if len(list) != 1 {
			t.Errorf("archived site still listed: %+v", list)
		}
		all, _ := w.pl.Sites(ctx, coord, place.SiteFilter{IncludeArchived: true})
		if len(all) != 2 || !all[1].Archived {
			t.Errorf("with archived = %+v, want the archived one last", all)
		}
		if got, err := w.pl.Site(ctx, coord, s.ID); err != nil || !got.Archived {
			t.Errorf("archived site reads %+v, %v", got, err)
		}
		if err := w.pl.ArchiveSite(ctx, coord, s.ID, false); err != nil {
			t.Fatal(err)
		}

		h, err := ledger.History(ctx, d, coord.OrgID, "site", s.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := "site.created site.updated site.updated site.archived site.restored"
		if got := strings.Join(kinds(h), " "); got != want {
			t.Errorf("history = %s, want %s", got, want)
		}
		if strings.Contains(string(h[0].Payload), "canal") || !strings.Contains(string(h[0].Payload), `"has_note":true`) {
			t.Errorf("created payload %s must record that there is a note, not the note", h[0].Payload)
		}
		if h[0].ActorID != coord.UserID || h[0].BaseID != coord.BaseID {
			t.Errorf("event actor %d base %d, want %d %d", h[0].ActorID, h[0].BaseID, coord.UserID, coord.BaseID)
		}
	})
}

func TestSitesRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx, coord := w.ctx, w.a1[access.Coordinator]
		s, err := w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "Zone du canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		sites := "SELECT COUNT(*) FROM sites"
		events := "SELECT COUNT(*) FROM ledger"
		n0, e0 := count(t, d, sites), count(t, d, events)
		unchanged := func(what string) {
			t.Helper()
			if n, e := count(t, d, sites), count(t, d, events); n != n0 || e != e0 {
				t.Errorf("%s changed something: %d sites (was %d), %d events (was %d)", what, n, n0, e, e0)
			}
			got, err := w.pl.Site(ctx, coord, s.ID)
			if err != nil || got.Name != "Zone du canal" || got.Archived {
				t.Errorf("%s: site is now %+v, %v", what, got, err)
			}
		}

		// Roles that may not manage sites.
		for _, r := range []access.Role{access.Warehouse, access.Distribution, access.Observer, access.Shop, access.Viewer} {
			a := w.a1[r]
			_, err := w.pl.CreateSite(ctx, a, place.SiteInput{Name: "Nouveau", Kind: place.SiteLiving})
			wantCode(t, string(r)+" create", err, apperr.Forbidden)
			_, err = w.pl.UpdateSite(ctx, a, s.ID, place.SiteInput{Name: "Nouveau", Kind: place.SiteLiving})
			wantCode(t, string(r)+" update", err, apperr.Forbidden)
			wantCode(t, string(r)+" archive", w.pl.ArchiveSite(ctx, a, s.ID, true), apperr.Forbidden)
		}
		unchanged("forbidden roles")

		// Another organisation, and another base of the same one: not found.
		for name, a := range map[string]access.Actor{"other organisation": w.b1, "other base": w.a2} {
			_, err := w.pl.Site(ctx, a, s.ID)
			wantCode(t, name+" get", err, apperr.NotFound)
			_, err = w.pl.UpdateSite(ctx, a, s.ID, place.SiteInput{Name: "Pris", Kind: place.SiteLiving})
			wantCode(t, name+" update", err, apperr.NotFound)
			wantCode(t, name+" archive", w.pl.ArchiveSite(ctx, a, s.ID, true), apperr.NotFound)
			if l, err := w.pl.Sites(ctx, a, place.SiteFilter{IncludeArchived: true}); err != nil || len(l) != 0 {
				t.Errorf("%s lists %+v, %v", name, l, err)
			}
		}
		_, err = w.pl.Site(ctx, coord, 987654)
		wantCode(t, "missing site", err, apperr.NotFound)
		unchanged("other organisation")

		// Bad input.
		for name, in := range map[string]place.SiteInput{
			"no name":       {Name: "   ", Kind: place.SiteLiving},
			"long name":     {Name: strings.Repeat("é", 101), Kind: place.SiteLiving},
			"control char":  {Name: "Zone\x00", Kind: place.SiteLiving},
			"no kind":       {Name: "Zone", Kind: ""},
			"unknown kind":  {Name: "Zone", Kind: "camp"},
			"long note":     {Name: "Zone", Kind: place.SiteLiving, Note: strings.Repeat("x", 1001)},
			"bad utf8 note": {Name: "Zone", Kind: place.SiteLiving, Note: "\xff"},
		} {
			_, err := w.pl.CreateSite(ctx, coord, in)
			wantCode(t, "create "+name, err, apperr.Invalid)
			_, err = w.pl.UpdateSite(ctx, coord, s.ID, in)
			wantCode(t, "update "+name, err, apperr.Invalid)
		}
		// A name of exactly 100 characters is fine; check without keeping it.
		_, err = w.pl.CreateSite(ctx, w.a1[access.Viewer], place.SiteInput{Name: strings.Repeat("é", 100), Kind: place.SiteLiving})
		wantCode(t, "viewer with a valid site", err, apperr.Forbidden)
		unchanged("bad input")

		// Names are unique per base, ignoring case; archived sites count.
		other, err := w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "Bois des Saules", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.pl.ArchiveSite(ctx, coord, other.ID, true); err != nil {
			t.Fatal(err)
		}
		n0, e0 = count(t, d, sites), count(t, d, events)
		_, err = w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "ZONE DU CANAL", Kind: place.SiteDistribution})
		wantCode(t, "duplicate name", err, apperr.Conflict)
		if ae := apperr.As(err); ae.Key != "place.error.site_taken" {
			t.Errorf("conflict key = %q", ae.Key)
		}
		_, err = w.pl.CreateSite(ctx, coord, place.SiteInput{Name: "Bois des Saules", Kind: place.SiteLiving})
		wantCode(t, "name of an archived site", err, apperr.Conflict)
		_, err = w.pl.UpdateSite(ctx, coord, s.ID, place.SiteInput{Name: "bois des saules", Kind: place.SiteLiving})
		wantCode(t, "rename onto another site", err, apperr.Conflict)
		unchanged("duplicate names")
		// Another base may use the same name.
		if _, err := w.pl.CreateSite(ctx, w.a2, place.SiteInput{Name: "Zone du canal", Kind: place.SiteLiving}); err != nil {
			t.Errorf("same name in another base: %v", err)
		}
	})
}

func TestLocations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx, wh := w.ctx, w.a1[access.Warehouse]
		a1, err := w.pl.CreateLocation(ctx, wh, place.LocationInput{Name: "A1", Kind: place.LocationShelf})
		if err != nil {
			t.Fatal(err)
		}
		if a1.DefaultState != place.StateInStock || a1.Position != 1 {
			t.Errorf("A1 = %+v, want in_stock at position 1", a1)
		}
		van, err := w.pl.CreateLocation(ctx, wh, place.LocationInput{Name: "Camionnette 1", Kind: place.LocationVan})
		if err != nil || van.Position != 2 {
			t.Fatalf("van = %+v, %v", van, err)
		}
		scrap, err := w.pl.CreateLocation(ctx, w.a1[access.Coordinator], place.LocationInput{Name: "Rebut", Kind: place.LocationRoom, DefaultState: place.StateScrap, Position: 50})
		if err != nil || scrap.DefaultState != place.StateScrap || scrap.Position != 50 {
			t.Fatalf("scrap = %+v, %v", scrap, err)
		}
		up, err := w.pl.UpdateLocation(ctx, wh, van.ID, place.LocationInput{Name: "Camionnette blanche", Kind: place.LocationVan})
		if err != nil || up.Name != "Camionnette blanche" || up.Position != 2 || up.DefaultState != place.StateInStock {
			t.Fatalf("update = %+v, %v", up, err)
		}
		if err := w.pl.ArchiveLocation(ctx, wh, a1.ID, true); err != nil {
			t.Fatal(err)
		}
		ls, err := w.pl.Locations(ctx, w.a1[access.Viewer], place.LocationFilter{})
		if err != nil || len(ls) != 2 || ls[0].Name != "Camionnette blanche" || ls[1].Name != "Rebut" {
			t.Fatalf("locations = %+v, %v", ls, err)
		}
		ls, _ = w.pl.Locations(ctx, wh, place.LocationFilter{IncludeArchived: true})
		if len(ls) != 3 {
			t.Errorf("with archived: %d locations, want 3", len(ls))
		}
		vans, _ := w.pl.Locations(ctx, wh, place.LocationFilter{Kind: place.LocationVan})
		if len(vans) != 1 {
			t.Errorf("vans = %+v", vans)
		}
		if l, err := place.GetLocation(ctx, d, wh, a1.ID); err != nil || !l.Archived {
			t.Errorf("GetLocation(archived A1) = %+v, %v", l, err)
		}
		h, _ := ledger.History(ctx, d, wh.OrgID, "location", van.ID, 0)
		if got := strings.Join(kinds(h), " "); got != "location.created location.updated" {
			t.Errorf("van history = %s", got)
		}
		h, _ = ledger.History(ctx, d, wh.OrgID, "location", a1.ID, 0)
		if got := strings.Join(kinds(h), " "); got != "location.created location.archived" {
			t.Errorf("A1 history = %s", got)
		}

		locs := "SELECT COUNT(*) FROM locations"
		n0, e0 := count(t, d, locs), count(t, d, "SELECT COUNT(*) FROM ledger")
		for _, r := range []access.Role{access.Distribution, access.Observer, access.Shop, access.Viewer} {
			_, err := w.pl.CreateLocation(ctx, w.a1[r], place.LocationInput{Name: "B1", Kind: place.LocationShelf})
			wantCode(t, string(r)+" create", err, apperr.Forbidden)
			_, err = w.pl.UpdateLocation(ctx, w.a1[r], van.ID, place.LocationInput{Name: "B1", Kind: place.LocationShelf})
			wantCode(t, string(r)+" update", err, apperr.Forbidden)
			wantCode(t, string(r)+" archive", w.pl.ArchiveLocation(ctx, w.a1[r], van.ID, true), apperr.Forbidden)
		}
		for name, a := range map[string]access.Actor{"other organisation": w.b1, "other base": w.a2} {
			_, err := w.pl.Location(ctx, a, van.ID)
			wantCode(t, name+" get", err, apperr.NotFound)
			_, err = w.pl.UpdateLocation(ctx, a, van.ID, place.LocationInput{Name: "X", Kind: place.LocationVan})
			wantCode(t, name+" update", err, apperr.NotFound)
			wantCode(t, name+" archive", w.pl.ArchiveLocation(ctx, a, van.ID, true), apperr.NotFound)
			if l, _ := w.pl.Locations(ctx, a, place.LocationFilter{IncludeArchived: true}); len(l) != 0 {
				t.Errorf("%s lists %+v", name, l)
			}
		}
		for name, in := range map[string]place.LocationInput{
			"no name":        {Kind: place.LocationShelf},
			"long name":      {Name: strings.Repeat("a", 101), Kind: place.LocationShelf},
			"unknown kind":   {Name: "B1", Kind: "cupboard"},
			"unknown state":  {Name: "B1", Kind: place.LocationShelf, DefaultState: "reserved"},
			"negative order": {Name: "B1", Kind: place.LocationShelf, Position: -1},
		} {
			_, err := w.pl.CreateLocation(ctx, wh, in)
			wantCode(t, "create "+name, err, apperr.Invalid)
			_, err = w.pl.UpdateLocation(ctx, wh, van.ID, in)
			wantCode(t, "update "+name, err, apperr.Invalid)
		}
		_, err = w.pl.CreateLocation(ctx, wh, place.LocationInput{Name: "a1", Kind: place.LocationShelf})
		wantCode(t, "duplicate of archived A1", err, apperr.Conflict)
		if ae := apperr.As(err); ae.Key != "place.error.location_taken" {
			t.Errorf("conflict key = %q", ae.Key)
		}
		_, err = w.pl.UpdateLocation(ctx, wh, van.ID, place.LocationInput{Name: "REBUT", Kind: place.LocationVan})
		wantCode(t, "rename onto Rebut", err, apperr.Conflict)
		if n, e := count(t, d, locs), count(t, d, "SELECT COUNT(*) FROM ledger"); n != n0 || e != e0 {
			t.Errorf("refused changes changed something: %d locations (was %d), %d events (was %d)", n, n0, e, e0)
		}
		if l, _ := w.pl.Location(ctx, wh, van.ID); l.Name != "Camionnette blanche" || l.Kind != place.LocationVan {
			t.Errorf("van is now %+v", l)
		}
		if _, err := w.pl.CreateLocation(ctx, w.a2, place.LocationInput{Name: "A1", Kind: place.LocationShelf}); err != nil {
			t.Errorf("A1 in another base: %v", err)
		}
	})
}
