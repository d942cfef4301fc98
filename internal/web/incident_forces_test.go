package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/place"
)

// The forces screen: a coordinator adds a force, a name already on the
// list is refused at the field with nothing added, a rename shows as
// typed, and a retired force leaves the incident form but stays on the
// incident that named it. The form offers the organisation's forces by id.
func TestIncidentForcesScreen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		coord := access.Actor{UserID: f.coord.ID, OrgID: f.org.ID, BaseID: f.base.ID, Role: access.Coordinator}
		site, err := place.New(d).CreateSite(ctx, coord, place.SiteInput{Name: "Canal", Kind: place.SiteLiving})
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		c.mustLogin("cleo@example.org")
		r := c.get("/incidents/forces")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Riot police", "Cleaning contractor", `action="/incidents/forces"`)

		expectStatus(t, c.post("/incidents/forces", url.Values{"name": {"Prefecture services"}}), http.StatusSeeOther)
		r = c.post("/incidents/forces", url.Values{"name": {"riot POLICE"}})
		expectStatus(t, r, http.StatusConflict)
		if alert(r) == "" {
			t.Error("a name already on the list: no message")
		}
		fs, err := incident.New(d).Forces(ctx, coord)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != len(incident.DefaultForces)+1 {
			t.Fatalf("forces after one add and one refusal: %+v", fs)
		}
		pref := fs[len(fs)-1]
		key := strconv.FormatInt(pref.ID, 10)

		// The form offers it by id; a report naming it keeps it.
		r = c.get("/incidents/new")
		expectBody(t, r, `name="force_`+key+`"`, "Prefecture services")
		r = c.post("/incidents", url.Values{"site": {strconv.FormatInt(site.ID, 10)}, "kind": {"eviction"}, "start": {"2026-12-01T07:30"},
			"force_" + key: {"1"}, "vehicles_" + key: {"2"}})
		expectStatus(t, r, http.StatusSeeOther)
		page := r.location()

		// Renamed, then retired: the form no longer offers it, the
		// incident still shows it under its new name.
		expectStatus(t, c.post("/incidents/forces/"+key+"/rename", url.Values{"name": {"Prefecture"}}), http.StatusSeeOther)
		expectStatus(t, c.post("/incidents/forces/"+key+"/retire", url.Values{"retired": {"1"}}), http.StatusSeeOther)
		expectNotBody(t, c.get("/incidents/new"), `name="force_`+key+`"`)
		expectBody(t, c.get(page), "<bdi>Prefecture</bdi>")
		r = c.post("/incidents", url.Values{"site": {strconv.FormatInt(site.ID, 10)}, "kind": {"eviction"}, "start": {"2026-12-01T07:30"},
			"vehicles_" + key: {"2"}})
		expectStatus(t, r, http.StatusBadRequest)
		if !regexp.MustCompile(`id="incident-forces"`).MatchString(r.body) || !strings.Contains(alert(r)+r.body, "retired") {
			t.Errorf("a retired force on a new incident: %s", alert(r))
		}
		r = c.get("/incidents/forces")
		expectBody(t, r, "Prefecture", "Offer again")

		// Another organisation's admin does not find the force.
		o := f.client(t)
		o.mustLogin("olga@example.org")
		expectStatus(t, o.post("/incidents/forces/"+key+"/rename", url.Values{"name": {"Mine"}}), http.StatusNotFound)
	})
}
