package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/incident"
	"abri/internal/place"
)

// The incidents' rows of the authorization matrix. Only observers,
// coordinators and admins of the organisation see or report incidents; to
// every other role and organisation they do not exist (404). Reports are
// asked with a bad kind, so nothing is saved for the next rows.
var incidentRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"GET", "/incidents", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	{"GET", "/incidents/new", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	{"POST", "/incidents", "", "site={incident_site}&kind=party&start=2026-12-01T07:30", "303>/login 400 400 404 404 400 404 404 400"},
	{"GET", "/incidents/{id}", "/incidents/{incident}", "", "303>/login 200 200 404 404 200 404 404 404"},
	{"GET", "/api/v1/incidents", "", "", "401 200 200 404 404 200 404 404 200"},
	{"POST", "/api/v1/incidents", "", `{"site_id":{incident_site},"kind":"party","starts_at":"2026-12-01T07:30:00Z"}`, "401 400 400 404 404 400 404 404 400"},
	{"GET", "/api/v1/incidents/{id}", "/api/v1/incidents/{incident}", "", "401 200 200 404 404 200 404 404 404"},
	// A body that is not multipart: refused at the file, nothing kept.
	// The shelter-loss reports: screens and CSV exports.
	{"GET", "/incidents/losses", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	{"GET", "/incidents/losses.csv", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	{"GET", "/incidents/weekly", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	{"GET", "/incidents/weekly.csv", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	// The export bundle: the web form asked with a bad id list (nothing
	// recorded), the API with a real incident (a bundle, and 404 to
	// another organisation).
	{"POST", "/incidents/export", "", "ids=x", "303>/login 400 400 404 404 400 404 404 400"},
	{"GET", "/api/v1/incidents/export", "/api/v1/incidents/export?ids={incident}", "", "401 200 200 404 404 200 404 404 404"},
	{"POST", "/api/v1/incidents/{id}/evidence", "/api/v1/incidents/{incident}/evidence", `{}`, "401 400 400 404 404 400 404 404 404"},
}

func init() {
	matrix = append(matrix, incidentRows...)
	apiDownloads["GET /api/v1/incidents/export"] = "application/zip"
}

// addIncidentVars records an eviction at a site of sys's base.
func addIncidentVars(t *testing.T, d *db.DB, sys access.Actor, vars map[string]string) {
	t.Helper()
	ctx := context.Background()
	site, err := place.New(d).CreateSite(ctx, sys, place.SiteInput{Name: "Matrix dunes", Kind: place.SiteLiving})
	if err != nil {
		t.Fatal(err)
	}
	id, err := incident.New(d).Report(ctx, sys, incident.Input{SiteID: site.ID, Kind: "eviction", StartsAt: time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	vars["{incident_site}"] = strconv.FormatInt(site.ID, 10)
	vars["{incident}"] = strconv.FormatInt(id, 10)
}

// matrixEvidence is an evidence store in a temporary data directory.
func matrixEvidence(t *testing.T) *incident.EvidenceStore {
	t.Helper()
	st, err := incident.OpenEvidenceStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
