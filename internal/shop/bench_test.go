package shop_test

import (
	"context"
	"fmt"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/shop"
	"abri/internal/stock"
)

// BenchmarkCheckout is the shop's write: a card looked up by its code, five
// active rules checked against its rolling windows, one item taken out of a
// shop box (with the box's event and totals), the checkout, its line and its
// event, in one transaction; and, in the same run, the ceiling: one commit of
// one row. 200 cards take turns, so each has a history of checkouts to count.
func BenchmarkCheckout(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			var d *db.DB
			if name == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			ctx := context.Background()
			acc := account.New(d)
			if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
				b.Fatal(err)
			}
			org, base, err := acc.CreateOrganisation(ctx, "bench", "Bench", "B")
			if err != nil {
				b.Fatal(err)
			}
			sys := access.SystemActor(org.ID, base.ID)
			u, err := acc.AddUser(ctx, sys, account.NewUser{Email: "s@example.invalid", Name: "s", BaseID: base.ID, Role: access.Shop})
			if err != nil {
				b.Fatal(err)
			}
			actor := access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: access.Shop}
			ps, err := catalog.Products(ctx, d, sys)
			if err != nil {
				b.Fatal(err)
			}
			var socks catalog.Product
			for _, p := range ps {
				if p.Name == "Thick Socks" && p.Gender == catalog.GenderMale {
					socks = p
				}
			}
			loc, err := place.New(d).CreateLocation(ctx, sys, place.LocationInput{Name: "Shop", Kind: place.LocationShop})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 20; i++ {
				if _, err := stock.New(d).CreateBox(ctx, sys, stock.NewBox{ProductID: socks.ID, Size: "Mixed", Items: stock.MaxItems, LocationID: loc.ID}); err != nil {
					b.Fatal(err)
				}
			}
			for _, in := range []shop.RuleInput{
				{ProductID: socks.ID, Quantity: 1000, Per: shop.PerPerson, PeriodDays: 7},
				{CategoryID: socks.CategoryID, Quantity: 1000, Per: shop.PerCard, PeriodDays: 14},
				{Quantity: 1000, Per: shop.PerCard, PeriodDays: 30},
				{ProductID: socks.ID + 1, Quantity: 1, Per: shop.PerCard, PeriodDays: 14},
				{ProductID: socks.ID + 2, Quantity: 2, Per: shop.PerCard, PeriodDays: 7},
			} {
				if _, err := shop.CreateRule(ctx, d, sys, in); err != nil {
					b.Fatal(err)
				}
			}
			var codes []string
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				for i := 0; i < 200; i++ {
					_, code, err := people.Issue(ctx, tx, sys, people.NewCard{HouseholdSize: 1 + i%4})
					if err != nil {
						return err
					}
					codes = append(codes, code)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := d.Exec(ctx, "CREATE TABLE bench_ceiling (id BIGINT NOT NULL, v TEXT NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			b.Run("ceiling-one-row-commit", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					if err := d.InTx(ctx, func(tx *db.Tx) error {
						_, err := tx.Exec(ctx, "INSERT INTO bench_ceiling (id, v) VALUES (?, ?)", i, "x")
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("checkout", func(b *testing.B) {
				i := 0
				req := shop.Request{Lines: []shop.Line{{ProductID: socks.ID, Quantity: 1}}}
				for b.Loop() {
					i++
					if _, err := shop.Checkout(ctx, d, actor, codes[i%len(codes)], req, shop.Sent{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			// As the shop screen sends it: with the id of the command it
			// would queue, recorded in the checkout's transaction.
			b.Run("checkout-with-command-id", func(b *testing.B) {
				i := 0
				req := shop.Request{Lines: []shop.Line{{ProductID: socks.ID, Quantity: 1}}}
				for b.Loop() {
					i++
					sent := shop.Sent{CommandID: fmt.Sprintf("0b0b0b0b-0000-4000-8000-%012d", i), MadeAt: d.Clock.Now()}
					if _, err := shop.Checkout(ctx, d, actor, codes[i%len(codes)], req, sent); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
