package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/place"
)

// Rows of accounts, places and the catalogue changed by hand are named by
// verify (the boxes and stock totals: internal/stock/replay_test.go).
func TestVerifyComparesRowsWithEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }))
		acc := account.New(d)
		org, base, err := acc.CreateOrganisation(ctx, "org-a", "Org A", "Calais")
		must(err)
		sys := access.SystemActor(org.ID, base.ID)
		u, err := acc.AddUser(ctx, sys, account.NewUser{Email: "a@example.invalid", Name: "A", BaseID: base.ID, Role: access.Admin})
		must(err)
		admin := access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: access.Admin}
		v, err := acc.AddUser(ctx, admin, account.NewUser{Email: "b@example.invalid", Name: "B", BaseID: base.ID, Role: access.Viewer})
		must(err)
		must(acc.SetDisabled(ctx, admin, v.ID, true))
		pl := place.New(d)
		loc, err := pl.CreateLocation(ctx, admin, place.LocationInput{Name: "A1", Kind: place.LocationShelf})
		must(err)
		must(pl.ArchiveLocation(ctx, admin, loc.ID, true))
		site, err := pl.CreateSite(ctx, admin, place.SiteInput{Name: "Canal", Kind: place.SiteKinds[0], Note: "by the bridge"})
		must(err)
		cats, err := catalog.Categories(ctx, d, admin)
		must(err)
		ranges, err := catalog.SizeRanges(ctx, d, admin)
		must(err)
		cs := catalog.New(d)
		kit, err := cs.AddProduct(ctx, admin, catalog.NewProduct{Name: "Shelter kit", CategoryID: cats[0].ID, SizeRangeID: ranges[0].ID})
		must(err)
		ps, err := catalog.Products(ctx, d, admin)
		must(err)
		var std catalog.Product
		for _, p := range ps {
			if p.Standard() {
				std = p
				break
			}
		}
		_, err = cs.SetKit(ctx, admin, kit.ID, []catalog.KitComponent{{ProductID: std.ID, Quantity: 2}})
		must(err)
		must(cs.HideProduct(ctx, admin, std.ID, true))

		rep, err := ledger.Verify(ctx, d)
		must(err)
		if !rep.OK() {
			t.Fatalf("untouched: %v", rep.Differences)
		}
		cases := []struct {
			change, undo string
			args         []any
			want         string
		}{
			{"UPDATE users SET disabled = FALSE WHERE id = ?", "UPDATE users SET disabled = TRUE WHERE id = ?", []any{v.ID},
				fmt.Sprintf("users user %d disabled: the ledger says true, the database holds false; last event", v.ID)},
			{"UPDATE memberships SET role = 'admin' WHERE user_id = ?", "UPDATE memberships SET role = 'viewer' WHERE user_id = ?", []any{v.ID},
				fmt.Sprintf(`memberships user %d base %d role: the ledger says "viewer", the database holds "admin"`, v.ID, base.ID)},
			{"UPDATE organisations SET name = 'Other' WHERE id = ?", "UPDATE organisations SET name = 'Org A' WHERE id = ?", []any{org.ID},
				fmt.Sprintf("organisations organisation %d name", org.ID)},
			{"UPDATE bases SET name = 'Other' WHERE id = ?", "UPDATE bases SET name = 'Calais' WHERE id = ?", []any{base.ID},
				fmt.Sprintf("bases base %d (Other) name", base.ID)},
			{"UPDATE locations SET archived = FALSE WHERE id = ?", "UPDATE locations SET archived = TRUE WHERE id = ?", []any{loc.ID},
				fmt.Sprintf("locations location %d (A1) archived: the ledger says true, the database holds false; last event", loc.ID)},
			{"UPDATE locations SET default_state = 'lost' WHERE id = ?", "UPDATE locations SET default_state = 'in_stock' WHERE id = ?", []any{loc.ID},
				fmt.Sprintf("location %d (A1) default_state", loc.ID)},
			{"UPDATE sites SET note = '' WHERE id = ?", "UPDATE sites SET note = 'by the bridge' WHERE id = ?", []any{site.ID},
				fmt.Sprintf("sites site %d (Canal) note: the ledger says true, the database holds false; last event", site.ID)},
			{"UPDATE products SET name = 'Bigger kit' WHERE id = ?", "UPDATE products SET name = 'Shelter kit' WHERE id = ?", []any{kit.ID},
				fmt.Sprintf("products product %d (Bigger kit) name", kit.ID)},
			{"UPDATE kit_components SET quantity = 5 WHERE kit_id = ?", "UPDATE kit_components SET quantity = 2 WHERE kit_id = ?", []any{kit.ID},
				fmt.Sprintf("kit_components kit %d components", kit.ID)},
			{"DELETE FROM products_hidden WHERE product_id = ?", "INSERT INTO products_hidden (base_id, product_id) VALUES (" + fmt.Sprint(base.ID) + ", ?)", []any{std.ID},
				fmt.Sprintf("products_hidden base %d product %d: the ledger says a row, the database holds no such row; last event", base.ID, std.ID)},
		}
		for _, c := range cases {
			if _, err := d.Exec(ctx, c.change, c.args...); err != nil {
				t.Fatalf("%s: %v", c.change, err)
			}
			rep, err := ledger.Verify(ctx, d)
			must(err)
			if rep.OK() || !strings.Contains(fmt.Sprint(rep.Differences), c.want) {
				t.Errorf("%s: verify says %v; want %q", c.change, rep.Differences, c.want)
			}
			if _, err := d.Exec(ctx, c.undo, c.args...); err != nil {
				t.Fatalf("%s: %v", c.undo, err)
			}
		}
		rep, err = ledger.Verify(ctx, d)
		must(err)
		if !rep.OK() {
			t.Fatalf("put back: %v", rep.Differences)
		}
	})
}
