package proof_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/server"
	"abri/internal/stock"
)

// FuzzBoxBodies sends arbitrary JSON to the warehouse API's write routes:
// making a box, changing one, moving several. Bad input is a 4xx, never a 500.
func FuzzBoxBodies(f *testing.F) {
	d := dbtest.SQLite(f)
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		f.Fatal(err)
	}
	acc := account.New(d)
	o, b, err := acc.CreateOrganisation(ctx, "fuzz-boxes", "Fuzz Boxes", "Warehouse")
	if err != nil {
		f.Fatal(err)
	}
	sys := access.SystemActor(o.ID, b.ID)
	u, err := acc.AddUser(ctx, sys, account.NewUser{Email: "wh@fuzz.example", Name: "Wh", Password: adminPassword, BaseID: b.ID, Role: access.Warehouse})
	if err != nil {
		f.Fatal(err)
	}
	secret, _, err := acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: o.ID, BaseID: b.ID, Role: access.Warehouse}, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	loc, err := place.New(d).CreateLocation(ctx, sys, place.LocationInput{Name: "A1", Kind: "shelf"})
	if err != nil {
		f.Fatal(err)
	}
	ps, err := catalog.Products(ctx, d, sys)
	if err != nil || len(ps) == 0 {
		f.Fatal("no products", err)
	}
	p := ps[0]
	box, err := stock.New(d).CreateBox(ctx, sys, stock.NewBox{ProductID: p.ID, Items: 3, LocationID: loc.ID, Size: firstSize(ctx, f, d, sys, p)})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: d, Accounts: acc, BaseURL: "http://abri.test", Version: "fuzz",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	s := &fuzzSite{h: srv.Handler(), token: secret, base: b.ID}
	for _, seed := range []string{
		fmt.Sprintf(`{"product_id":%d,"items":4,"location_id":%d}`, p.ID, loc.ID),
		fmt.Sprintf(`{"product_id":%d,"items":-1,"location_id":%d,"tags":["a","b"]}`, p.ID, loc.ID),
		fmt.Sprintf(`{"product_id":%d,"quantity":1e308,"unit":"kg","location_id":%d}`, p.ID, loc.ID),
		`{"product_id":"x"}`, `{"code":"0O1I0O1I0"}`, `{"expires_on":"2026-02-30"}`, `[]`, `null`, `{`,
		`{"version":1,"items":9,"state":"lost"}`,
		fmt.Sprintf(`{"version":1,"location_id":%d,"state":"in_transit"}`, loc.ID),
		fmt.Sprintf(`{"codes":["%s","nonsense"],"location_id":%d}`, box.Code, loc.ID),
	} {
		for route := range uint8(3) {
			f.Add([]byte(seed), route)
		}
	}
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/boxes"},
		{"PATCH", "/api/v1/boxes/" + box.Code},
		{"POST", "/api/v1/boxes/move"},
	}
	f.Fuzz(func(t *testing.T, body []byte, route uint8) {
		r := routes[int(route)%len(routes)]
		s.post(t, r.method, r.path, "application/json", body, "192.0.2.1:1234", true)
	})
}

func firstSize(ctx context.Context, f *testing.F, d *db.DB, actor access.Actor, p catalog.Product) string {
	rs, err := catalog.SizeRanges(ctx, d, actor)
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == p.SizeRangeID && len(r.Sizes) > 0 {
			return r.Sizes[0].Label
		}
	}
	return ""
}
