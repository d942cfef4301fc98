package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/place"
)

// The offline field mode's rows of the authorization matrix. Every role
// but viewer sends commands (each handler then checks its own permission);
// coordinators and administrators review what could not apply; the quick
// count is for the distribution team, coordinators and administrators.
// The batch holds a command of a type no handler knows, so it becomes a
// review item, answered 200 for every role that may send. The review
// actions are refused (an unknown type cannot apply; a dismissal needs a
// note), so the item stays open for the next rows; another organisation's
// item is 404.
var commandRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"POST", "/sync/commands", "", matrixBatch, "401 200 200 200 200 200 200 403 200"},
	{"GET", "/sw.js", "", "", "200 200 200 200 200 200 200 200 200"},
	{"GET", "/review", "", "", "303>/login 200 200 403 403 403 403 403 200"},
	{"POST", "/review/{id}/apply", "/review/{review}/apply", "target=&payload=", "303>/login 400 400 403 403 403 403 403 404"},
	{"POST", "/review/{id}/dismiss", "/review/{review}/dismiss", "note=", "303>/login 400 400 403 403 403 403 403 404"},
	{"GET", "/count", "", "", "303>/login 200 200 403 200 403 403 403 200"},
	{"GET", "/count/{site}", "/count/{site}", "", "303>/login 200 200 403 200 403 403 403 404"},

	{"POST", "/api/v1/commands", "", matrixBatch, "401 200 200 200 200 200 200 403 200"},
	{"GET", "/api/v1/review-items", "", "", "401 200 200 403 403 403 403 403 200"},
	{"POST", "/api/v1/review-items/{id}/apply", "/api/v1/review-items/{review}/apply", `{"target":"","payload":{}}`, "401 400 400 403 403 403 403 403 404"},
	{"POST", "/api/v1/review-items/{id}/dismiss", "/api/v1/review-items/{review}/dismiss", `{"note":""}`, "401 400 400 403 403 403 403 403 404"},
}

const matrixBatch = `{"commands":[{"id":"6b0f5c3e-8d1a-4e2b-9c7f-0a1b2c3d4e5f","type":"matrix.unknown","target":"x","payload":{},"made_at":"2026-12-07T10:00:00Z"}]}`

func init() { matrix = append(matrix, commandRows...) }

// addCommandVars makes the review item and the site the rows ask for, in
// the base of sys.
func addCommandVars(t *testing.T, d *db.DB, sys access.Actor, vars map[string]string) {
	t.Helper()
	ctx := context.Background()
	outs, err := command.Apply(ctx, d, sys, []command.Command{{ID: "0e4c2a9b-7f3d-4b1e-8a6c-5d2f0e9b1c3a", Type: "matrix.unknown",
		Target: "x", MadeAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}})
	if err != nil || outs[0].ReviewItemID == 0 {
		t.Fatalf("review item: %+v %v", outs, err)
	}
	vars["{review}"] = strconv.FormatInt(outs[0].ReviewItemID, 10)
	if _, ok := vars["{site}"]; ok {
		return // the distribution rows' site serves the quick count's too
	}
	site, err := place.New(d).CreateSite(ctx, sys, place.SiteInput{Name: "Matrix count site", Kind: place.SiteLiving})
	if err != nil {
		t.Fatal(err)
	}
	vars["{site}"] = strconv.FormatInt(site.ID, 10)
}
