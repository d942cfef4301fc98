package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/place"
	"abri/internal/stock"
)

// A box row changed by hand makes abri verify exit non-zero naming that
// box, the column and the last event that touched it; put back, verify
// passes again. On both databases.
func TestVerifyNamesABoxChangedByHand(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			args := []string{"verify", "--data", data}
			dsn := filepath.Join(data, "abri.db")
			if name == "postgres" {
				dsn = dbtest.PostgresDSN(t)
				args = append(args, "--db", dsn)
			}
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
				t.Fatal(err)
			}
			org, base, err := account.New(d).CreateOrganisation(ctx, "by-hand", "By Hand", "Warehouse")
			if err != nil {
				t.Fatal(err)
			}
			sys := access.SystemActor(org.ID, base.ID)
			loc, err := place.New(d).CreateLocation(ctx, sys, place.LocationInput{Name: "A1", Kind: place.LocationShelf})
			if err != nil {
				t.Fatal(err)
			}
			ps, err := catalog.Products(ctx, d, sys)
			if err != nil {
				t.Fatal(err)
			}
			var box stock.Box
			for _, p := range ps {
				if p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale {
					if box, err = stock.New(d).CreateBox(ctx, sys, stock.NewBox{ProductID: p.ID, Size: "M", Items: 12, LocationID: loc.ID}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if box.ID == 0 {
				t.Fatal("the catalogue has no men's winter jackets")
			}
			if code, out, errOut := run(t, "", args...); code != 0 {
				t.Fatalf("verify before: %d %q %q", code, out, errOut)
			}
			if _, err := d.Exec(ctx, "UPDATE boxes SET items = 9999 WHERE id = ?", box.ID); err != nil {
				t.Fatal(err)
			}
			code, out, _ := run(t, "", args...)
			want := fmt.Sprintf("boxes box %d (%s) items: the ledger says 12, the database holds 9999", box.ID, stock.FormatCode(box.Code))
			if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "(box.created)") {
				t.Fatalf("verify after the change: exit %d %q; want 1 and %q with the last event", code, out, want)
			}
			if _, err := d.Exec(ctx, "UPDATE boxes SET items = 12 WHERE id = ?", box.ID); err != nil {
				t.Fatal(err)
			}
			if code, out, _ := run(t, "", args...); code != 0 {
				t.Fatalf("verify after putting it back: %d %q", code, out)
			}
		})
	}
}
