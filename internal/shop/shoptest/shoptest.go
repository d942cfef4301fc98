// Package shoptest opens a free shop for tests of the packages above the
// shop (the API, the screens, the browser journeys): the catalogue, a shop
// location with a box of sleeping bags, and a card.
package shoptest

import (
	"context"
	"testing"

	"abri/internal/access"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/stock"
)

// Bag is the id of Sleeping Bags in the seeded catalogue.
const Bag = 102

// Shop is what Open made.
type Shop struct {
	Location int64
	Box      string // the shop's box of sleeping bags
	Code     string // a card's code
	CardID   int64
}

// Open seeds the catalogue and opens a shop in sys's base with one box of
// items sleeping bags, and issues a card for a household of one.
func Open(t testing.TB, d *db.DB, sys access.Actor, items int64) Shop {
	t.Helper()
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	loc, err := place.New(d).CreateLocation(ctx, sys, place.LocationInput{Name: "Boutique", Kind: place.LocationShop})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stock.New(d).CreateBox(ctx, sys, stock.NewBox{ProductID: Bag, Size: "Mixed", Items: items, LocationID: loc.ID})
	if err != nil {
		t.Fatal(err)
	}
	s := Shop{Location: loc.ID, Box: b.Code}
	s.Code, s.CardID = Card(t, d, sys)
	return s
}

// Card issues one more card in sys's base and returns its code and id.
func Card(t testing.TB, d *db.DB, sys access.Actor) (string, int64) {
	t.Helper()
	ctx := context.Background()
	var code string
	var id int64
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		c, cd, err := people.Issue(ctx, tx, sys, people.NewCard{HouseholdSize: 1})
		code, id = cd, c.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return code, id
}
