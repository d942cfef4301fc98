package api_test

import (
	"context"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// TestProductsShowKits checks the kit field of GET /api/v1/products: a kit
// lists what one kit holds, a plain product an empty list, and another
// organisation sees neither the kit nor its contents.
func TestProductsShowKits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := setupWarehouse(t, d)
		ctx := context.Background()
		cat := catalog.New(d)
		kit, err := cat.AddProduct(ctx, w.sys, catalog.NewProduct{Name: "Shelter kit", CategoryID: w.jackets.CategoryID, SizeRangeID: w.jackets.SizeRangeID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.SetKit(ctx, w.sys, kit.ID, []catalog.KitComponent{
			{ProductID: w.jackets.ID, Quantity: 1}, {ProductID: w.rice.ID, Quantity: 2},
		}); err != nil {
			t.Fatal(err)
		}

		type kitItem struct {
			ProductID int64  `json:"product_id"`
			Name      string `json:"name"`
			Quantity  int64  `json:"quantity"`
		}
		type product struct {
			ID       int64     `json:"id"`
			Name     string    `json:"name"`
			Category idName    `json:"category"`
			Gender   string    `json:"gender"`
			Measure  string    `json:"measure"`
			Unit     *string   `json:"unit"`
			Sizes    []string  `json:"sizes"`
			Standard bool      `json:"standard"`
			Kit      []kitItem `json:"kit"`
		}
		type list struct {
			Products []product `json:"products"`
			Units    []any     `json:"units"`
		}
		// answer checks the body against the documented schema too.
		ps := answer[list](t, w, w.do("GET", "/api/v1/products", w.viewer, nil), "GET /api/v1/products", 200)
		byID := map[int64]product{}
		for _, p := range ps.Products {
			byID[p.ID] = p
		}
		got, ok := byID[kit.ID]
		if !ok || got.Standard || len(got.Kit) != 2 {
			t.Fatalf("kit = %+v, want the shelter kit with two products", got)
		}
		// By name: Rice, then Winter Jackets.
		if got.Kit[0] != (kitItem{w.rice.ID, "Rice", 2}) || got.Kit[1] != (kitItem{w.jackets.ID, "Winter Jackets", 1}) {
			t.Errorf("kit contents = %+v", got.Kit)
		}
		if j := byID[w.jackets.ID]; j.Kit == nil || len(j.Kit) != 0 {
			t.Errorf("a plain product's kit = %#v, want []", j.Kit)
		}

		// Another organisation sees neither the kit nor anything of it.
		u, err := w.acc.AddUser(ctx, w.otherActor, account.NewUser{Email: "oz@example.org", Name: "Oz", BaseID: w.otherActor.BaseID, Role: access.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := w.acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: w.otherActor.OrgID, BaseID: w.otherActor.BaseID, Role: access.Viewer}, "phone")
		if err != nil {
			t.Fatal(err)
		}
		theirs := answer[list](t, w, w.do("GET", "/api/v1/products", tok, nil), "GET /api/v1/products", 200)
		for _, p := range theirs.Products {
			if p.ID == kit.ID || p.ID == w.rice.ID || len(p.Kit) != 0 {
				t.Errorf("another organisation sees %+v", p)
			}
		}
	})
}
