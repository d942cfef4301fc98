package server_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/command"
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
	// Evidence files: every opening is in the custody log; to everyone but
	// observers, coordinators and admins of the organisation they do not exist.
	{"GET", "/incidents/{id}/evidence/{file}", "/incidents/{incident}/evidence/{evidence}", "", "303>/login 200 200 404 404 200 404 404 404"},
	{"GET", "/incidents/{id}/evidence/{file}/original", "/incidents/{incident}/evidence/{evidence}/original", "", "303>/login 200 200 404 404 200 404 404 404"},
	{"GET", "/api/v1/incidents/{id}/evidence/{file}", "/api/v1/incidents/{incident}/evidence/{evidence}", "", "401 200 200 404 404 200 404 404 404"},
	{"GET", "/api/v1/incidents/{id}/evidence/{file}/original", "/api/v1/incidents/{incident}/evidence/{evidence}/original", "", "401 200 200 404 404 200 404 404 404"},
	{"GET", "/api/v1/incidents/{id}/custody", "/api/v1/incidents/{incident}/custody", "", "401 200 200 404 404 200 404 404 404"},
	// The organisation's forces: observers see the list, coordinators and
	// admins change it. Asked with an empty name or a bad value, so
	// nothing changes for the next rows.
	{"GET", "/incidents/forces", "", "", "303>/login 200 200 404 404 200 404 404 200"},
	{"POST", "/incidents/forces", "", "name=", "303>/login 400 400 404 404 403 404 404 400"},
	{"POST", "/incidents/forces/{id}/rename", "/incidents/forces/{force}/rename", "name=", "303>/login 400 400 404 404 403 404 404 404"},
	{"POST", "/incidents/forces/{id}/retire", "/incidents/forces/{force}/retire", "retired=x", "303>/login 400 400 404 404 403 404 404 400"},
	{"GET", "/api/v1/incidents/forces", "", "", "401 200 200 404 404 200 404 404 200"},
	// The incident page's file form: a body that is not multipart is
	// refused at the file, nothing kept.
	{"POST", "/incidents/{id}/evidence", "/incidents/{incident}/evidence", "x=1", "303>/login 400 400 404 404 400 404 404 404"},
	// The queue's photo endpoint: a body that is not multipart is refused
	// at the file; a missing session is JSON too.
	{"POST", "/sync/evidence", "", "command=x", "401 400 400 404 404 400 404 404 400"},
	// A file whose hashes differ: accepting the server's hash needs a reason.
	{"POST", "/review/{id}/accept", "/review/{mismatch}/accept", "note=", "303>/login 400 400 403 403 403 403 403 404"},
	{"POST", "/api/v1/review-items/{id}/accept", "/api/v1/review-items/{mismatch}/accept", `{"note":""}`, "401 400 400 403 403 403 403 403 404"},
}

func init() {
	matrix = append(matrix, incidentRows...)
	apiDownloads["GET /api/v1/incidents/export"] = "application/zip"
	// The fixture's file is a PNG.
	apiDownloads["GET /api/v1/incidents/{id}/evidence/{file}"] = "image/png"
	apiDownloads["GET /api/v1/incidents/{id}/evidence/{file}/original"] = "image/png"
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
	fs, err := incident.New(d).Forces(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	vars["{force}"] = strconv.FormatInt(fs[0].ID, 10)
	vars["{incident_site}"] = strconv.FormatInt(site.ID, 10)
	vars["{incident}"] = strconv.FormatInt(id, 10)
	// A photo whose hash the phone got wrong: a file to open, and a
	// hash-mismatch review item.
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var photo bytes.Buffer
	if err := png.Encode(&photo, img); err != nil {
		t.Fatal(err)
	}
	ev, err := incident.New(d).Upload(ctx, sys, matrixEvidence(t), id, &photo, strings.Repeat("0", 64))
	if err != nil {
		t.Fatal(err)
	}
	vars["{evidence}"] = strconv.FormatInt(ev.ID, 10)
	if err := d.QueryRow(ctx, "SELECT id FROM review_items WHERE org_id = ? AND kind = ?", sys.OrgID, command.KindHashMismatch).Scan(&ev.ID); err != nil {
		t.Fatal(err)
	}
	vars["{mismatch}"] = strconv.FormatInt(ev.ID, 10)
}

var matrixStores sync.Map // *testing.T → *incident.EvidenceStore

// matrixEvidence is the test's evidence store, in a temporary data
// directory: the same store for the fixture and the server.
func matrixEvidence(t *testing.T) *incident.EvidenceStore {
	t.Helper()
	if st, ok := matrixStores.Load(t); ok {
		return st.(*incident.EvidenceStore)
	}
	st, err := incident.OpenEvidenceStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	matrixStores.Store(t, st)
	t.Cleanup(func() { matrixStores.Delete(t) })
	return st
}
