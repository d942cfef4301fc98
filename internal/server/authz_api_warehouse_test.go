package server_test

import (
	"context"
	"strconv"
	"testing"

	"abri/internal/access"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/place"
	"abri/internal/stock"
)

// The warehouse API's rows of the authorization matrix. They ask for a box
// and a location of the first organisation's main base, which
// addAPIWarehouseVars makes. Everyone of the organisation reads; the
// warehouse roles make and edit; the distribution team moves; another
// organisation gets 404 for the box and 400 for the location (it is not one
// of its own), never 403. The PATCH sends version 0, which is stale, so a
// role that may edit gets 409 and the box stays as it is for the next rows.
var apiWarehouseRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"GET", "/api/v1/products", "", "", "401 200 200 200 200 200 200 200 200"},
	{"GET", "/api/v1/locations", "", "", "401 200 200 200 200 200 200 200 200"},
	{"GET", "/api/v1/boxes", "", "", "401 200 200 200 200 200 200 200 200"},
	{"POST", "/api/v1/boxes", "", `{"product_id":{api_product},"size":"M","items":1,"location_id":{api_location}}`, "401 201 201 201 403 403 403 403 400"},
	{"POST", "/api/v1/boxes/move", "", `{"codes":["{api_box}"],"location_id":{api_location}}`, "401 200 200 200 200 403 403 403 400"},
	{"GET", "/api/v1/boxes/{code}", "/api/v1/boxes/{api_box}", "", "401 200 200 200 200 200 200 200 404"},
	{"PATCH", "/api/v1/boxes/{code}", "/api/v1/boxes/{api_box}", `{"version":0,"location_id":{api_location}}`, "401 409 409 409 409 403 403 403 404"},
	{"GET", "/api/v1/boxes/{code}/history", "/api/v1/boxes/{api_box}/history", "", "401 200 200 200 200 200 200 200 404"},
	{"GET", "/api/v1/labels.pdf", "/api/v1/labels.pdf?codes={api_box}", "", "401 200 200 200 200 200 200 200 404"},
	{"GET", "/api/v1/stock", "", "", "401 200 200 200 200 200 200 200 200"},
	{"GET", "/api/v1/donations", "", "", "401 200 200 200 200 200 200 200 200"},
	{"POST", "/api/v1/donations", "", `{"source":"other","received_on":"2026-11-21"}`, "401 201 201 201 403 403 403 403 201"},
}

// apiDownloads are the API routes whose success is not JSON.
var apiDownloads = map[string]string{"GET /api/v1/labels.pdf": "application/pdf"}

func init() { matrix = append(matrix, apiWarehouseRows...) }

// addAPIWarehouseVars makes the box and location the warehouse API's rows
// ask for, in the base of sys.
func addAPIWarehouseVars(t *testing.T, d *db.DB, sys access.Actor, vars map[string]string) {
	t.Helper()
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	ps, err := catalog.Products(ctx, d, sys)
	if err != nil {
		t.Fatal(err)
	}
	var jackets catalog.Product
	for _, p := range ps {
		if p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale {
			jackets = p
		}
	}
	loc, err := place.New(d).CreateLocation(ctx, sys, place.LocationInput{Name: "Matrix shelf", Kind: place.LocationShelf})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stock.New(d).CreateBox(ctx, sys, stock.NewBox{ProductID: jackets.ID, Size: "M", Items: 1, LocationID: loc.ID})
	if err != nil {
		t.Fatal(err)
	}
	vars["{api_product}"] = strconv.FormatInt(jackets.ID, 10)
	vars["{api_location}"] = strconv.FormatInt(loc.ID, 10)
	vars["{api_box}"] = b.Code
}
