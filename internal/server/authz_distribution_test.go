package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/distribution"
	"abri/internal/needs"
	"abri/internal/place"
)

// The distribution screens' rows of the authorization matrix. The changes
// are asked of a closed round and a cancelled need, so a role that may make
// them gets 409 (the round takes nothing more) and nothing changes for the
// next rows; a role that may not gets 403; another organisation 404.
// Coordinators plan; the warehouse and distribution teams run rounds; the
// distribution team also records needs.
var distributionRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"GET", "/rounds", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/rounds", "", "site={site}&kind=party&day=2026-12-10&start=18:00&end=19:00", "303>/login 400 400 403 403 403 403 403 400"},
	{"GET", "/rounds/weekly", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/rounds/weekly.csv", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"GET", "/rounds/{id}", "/rounds/{round}", "", "303>/login 200 200 200 200 200 200 200 404"},
	{"POST", "/rounds/{id}/lines", "/rounds/{round}/lines", "product={product}&planned=2", "303>/login 409 409 403 403 403 403 403 404"},
	{"POST", "/rounds/{id}/cancel", "/rounds/{round}/cancel", "", "303>/login 409 409 403 403 403 403 403 404"},
	{"POST", "/rounds/{id}/public", "/rounds/{round}/public", "public=1", "303>/login 409 409 403 403 403 403 403 404"},
	{"POST", "/rounds/{id}/pack", "/rounds/{round}/pack", "code={box}", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/unpack", "/rounds/{round}/unpack", "code={box}", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/out", "/rounds/{round}/out", "", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/back", "/rounds/{round}/back", "", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/return", "/rounds/{round}/return", "code={box}", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/return-count", "/rounds/{round}/return-count", "product={product}&quantity=1", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/lost", "/rounds/{round}/lost", "product={product}&quantity=1&reason=seized", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/close", "/rounds/{round}/close", "", "303>/login 409 409 409 409 403 403 403 404"},
	{"GET", "/rounds/{id}/tally", "/rounds/{round}/tally", "", "303>/login 200 200 200 200 200 200 200 404"},
	{"POST", "/rounds/{id}/tally", "/rounds/{round}/tally", "kind=people&quantity=1", "303>/login 409 409 409 409 403 403 403 404"},
	{"POST", "/rounds/{id}/undo", "/rounds/{round}/undo", "tally=1", "303>/login 409 409 409 409 403 403 403 404"},
	{"GET", "/sites", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/sites", "", "name=&kind=living", "303>/login 400 400 403 403 403 403 403 400"},
	{"POST", "/sites/{id}", "/sites/{site}", "name=Matrix+canal&kind=living&lat=50.95&lon=1.85", "303>/login 303>/sites 303>/sites 403 403 403 403 403 404"},
	{"GET", "/needs", "", "", "303>/login 200 200 200 200 200 200 200 200"},
	{"POST", "/needs", "", "site={site}&product={product}&quantity=-1&urgency=2&source=coordinator", "303>/login 400 400 403 400 403 403 403 400"},
	{"POST", "/needs/{id}/cancel", "/needs/{need}/cancel", "", "303>/login 409 409 403 409 403 403 403 404"},
	// The public schedule answers everyone alike, signed in or not; the
	// organisation here has no public round to come, which answers the
	// same 404 as an organisation that does not exist.
	{"GET", "/schedule/{org}", "/schedule/matrix-one", "", "404 404 404 404 404 404 404 404 404"},
	{"GET", "/schedule/{org}/poster.pdf", "/schedule/matrix-one/poster.pdf", "", "404 404 404 404 404 404 404 404 404"},

	// The API: the same rules. The changes are refused for their input, so
	// nothing changes for the next rows; the empty batch of commands is
	// answered with no outcomes.
	{"GET", "/api/v1/sites", "", "", "401 200 200 200 200 200 200 200 200"},
	{"POST", "/api/v1/sites", "", `{"name":"","kind":"living","note":""}`, "401 400 400 403 403 403 403 403 400"},
	{"GET", "/api/v1/rounds", "", "", "401 200 200 200 200 200 200 200 200"},
	{"POST", "/api/v1/rounds", "", `{"site_id":{site},"kind":"party","public":false,"starts_at":"2026-12-10T17:00:00Z","ends_at":"2026-12-10T18:00:00Z","lines":[]}`, "401 400 400 403 403 403 403 403 400"},
	{"GET", "/api/v1/rounds/{id}", "/api/v1/rounds/{round}", "", "401 200 200 200 200 200 200 200 404"},
	{"PATCH", "/api/v1/rounds/{id}", "/api/v1/rounds/{round}", `{"public":true}`, "401 409 409 403 403 403 403 403 404"},
	{"POST", "/api/v1/rounds/{id}/commands", "/api/v1/rounds/{round}/commands", `{"commands":[]}`, "401 200 200 200 200 403 403 403 404"},
	{"GET", "/api/v1/needs", "", "", "401 200 200 200 200 200 200 200 200"},
	{"POST", "/api/v1/needs", "", `{"site_id":{site},"product_id":0,"category_id":1,"quantity":-1,"urgency":2,"source":"coordinator"}`, "401 400 400 403 400 403 403 403 400"},
}

func init() { matrix = append(matrix, distributionRows...) }

// addDistributionVars makes a site, a closed round at it and a cancelled
// need in the base of sys.
func addDistributionVars(t *testing.T, d *db.DB, sys access.Actor, vars map[string]string) {
	t.Helper()
	ctx := context.Background()
	site, err := place.New(d).CreateSite(ctx, sys, place.SiteInput{Name: "Matrix canal", Kind: place.SiteLiving})
	if err != nil {
		t.Fatal(err)
	}
	s := distribution.New(d)
	start := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	r, err := s.Plan(ctx, sys, distribution.PlanInput{SiteID: site.ID, Kind: distribution.KindGoods, StartsAt: start, EndsAt: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, access.Actor, int64) (distribution.Round, error){s.SendOut, s.ComeBack, s.Close} {
		if _, err := step(ctx, sys, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	n, err := needs.New(d).Create(ctx, sys, needs.Input{SiteID: site.ID, CategoryID: 1, Quantity: 3, Urgency: 2, Source: needs.FromCoordinator})
	if err != nil {
		t.Fatal(err)
	}
	if err := needs.New(d).Cancel(ctx, sys, n.ID); err != nil {
		t.Fatal(err)
	}
	vars["{site}"] = strconv.FormatInt(site.ID, 10)
	vars["{round}"] = strconv.FormatInt(r.ID, 10)
	vars["{need}"] = strconv.FormatInt(n.ID, 10)
}
