package stock_test

import (
	"context"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/stock"
)

func TestSmoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		acc := account.New(d)
		o, b, err := acc.CreateOrganisation(ctx, "org", "Org", "Base")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		actor := access.SystemActor(o.ID, b.ID)
		pl := place.New(d)
		shelf, err := pl.CreateLocation(ctx, actor, place.LocationInput{Name: "A1", Kind: "shelf"})
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := catalog.Products(ctx, d, actor)
		var sized catalog.Product
		for _, p := range ps {
			if p.Name == "Jackets / Coats" || sized.ID == 0 && p.Measure == "" {
				sized = p
			}
		}
		rs, _ := catalog.SizeRanges(ctx, d, actor)
		size := ""
		for _, r := range rs {
			if r.ID == sized.SizeRangeID && len(r.Sizes) > 0 {
				size = r.Sizes[0].Label
			}
		}
		s := stock.New(d)
		box, err := s.CreateBox(ctx, actor, stock.NewBox{ProductID: sized.ID, Size: size, Items: 12, LocationID: shelf.ID, Tags: []string{"Winter"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("box %s %s %s %d %v", box.Code, box.ProductName, box.Size, box.Items, box.Tags)
		n := int64(3)
		if _, err := s.UpdateBox(ctx, actor, box.Code, stock.Change{Version: box.Version, Items: &n}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateBox(ctx, actor, box.Code, stock.Change{Version: box.Version, Items: &n}); err == nil {
			t.Fatal("stale update accepted")
		}
		page, err := s.List(ctx, actor, stock.Filter{Tag: "winter"})
		if err != nil || len(page.Boxes) != 1 {
			t.Fatalf("list: %v %d", err, len(page.Boxes))
		}
		ov, err := s.Overview(ctx, actor, nil)
		if err != nil || len(ov) != 1 || ov[0].Items != 3 {
			t.Fatalf("overview %v %+v", err, ov)
		}
		_, h, err := s.History(ctx, actor, box.Code)
		if err != nil || len(h) != 2 {
			t.Fatalf("history %v %+v", err, h)
		}
		t.Logf("history %+v", h)
	})
}
