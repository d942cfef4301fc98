package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/people"
	"abri/internal/place"
	"abri/internal/shop"
	"abri/internal/stock"
)

// The demo's free shop, in the first organisation's main base: a shop
// location with its own boxes, the rules of the issue ("1 sleeping bag per
// card per 14 days", "2 pairs of socks per person per 7 days", …), a few
// hundred cards and three weeks of checkouts. Cards are issued and served in
// one transaction per day, each checkout in a savepoint, with the
// transaction's time set to the moment of the visit: the seed stays fast.

const (
	shopLocation = "Boutique gratuite"
	shopCards    = 300
	shopDays     = 21
)

// shopBoxes are the shop's boxes: product, gender, boxes, items each, size.
var shopBoxes = []struct {
	product, gender string
	boxes, items    int
	size            string
}{
	{"Sleeping Bags", "", 12, 8, "Mixed"},
	{"Thick Socks", catalog.GenderMale, 8, 60, "Mixed"},
	{"Winter Hats", catalog.GenderMale, 4, 40, "Mixed"},
	{"Gloves", catalog.GenderUnisexAdult, 4, 40, "Mixed"},
	{"Jumpers", catalog.GenderMale, 6, 15, "L"},
	{"Blankets", "", 6, 12, "Mixed"},
}

// shopRules are the demo's rules; a rule without product is the weekly
// token allowance.
var shopRules = []struct {
	product, gender string
	quantity, days  int64
	per             string
}{
	{"Sleeping Bags", "", 1, 14, shop.PerCard},
	{"Thick Socks", catalog.GenderMale, 2, 7, shop.PerPerson},
	{"Winter Hats", catalog.GenderMale, 1, 30, shop.PerCard},
	{"Jumpers", catalog.GenderMale, 1, 14, shop.PerPerson},
	{"", "", 12, 7, shop.PerCard},
}

// seedShop opens the free shop of a base. A base with any rule already is
// left as it is.
func seedShop(ctx context.Context, d *db.DB, places *place.Service, c crew) error {
	a := c.coordinator
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM shop_rules WHERE org_id = ? AND base_id = ?", a.OrgID, a.BaseID).Scan(&n); err != nil {
		return fmt.Errorf("shop: %w", err)
	}
	if n > 0 {
		return nil
	}
	loc, err := places.CreateLocation(ctx, c.warehouse, place.LocationInput{Name: shopLocation, Kind: place.LocationShop})
	if err != nil && !apperr.Is(err, apperr.Conflict) && !apperr.Is(err, apperr.Invalid) {
		return fmt.Errorf("shop: location: %w", err)
	}
	if loc.ID == 0 {
		ls, err := places.Locations(ctx, a, place.LocationFilter{})
		if err != nil {
			return fmt.Errorf("shop: %w", err)
		}
		for _, l := range ls {
			if l.Name == shopLocation {
				loc = l
			}
		}
	}
	ps, err := catalog.Products(ctx, d, a)
	if err != nil {
		return fmt.Errorf("shop: %w", err)
	}
	product := map[productKey]catalog.Product{}
	for _, p := range ps {
		product[productKey{p.Name, p.Gender}] = p
	}
	var nbs []stock.NewBox
	for _, b := range shopBoxes {
		p, ok := product[productKey{b.product, b.gender}]
		if !ok {
			return fmt.Errorf("shop: no product %q", b.product)
		}
		for i := 0; i < b.boxes; i++ {
			nbs = append(nbs, stock.NewBox{ProductID: p.ID, Items: int64(b.items), Size: b.size, LocationID: loc.ID})
		}
	}
	if _, err := stock.New(d).CreateBoxes(ctx, c.warehouse, nbs); err != nil {
		return fmt.Errorf("shop: boxes: %w", err)
	}
	for _, r := range shopRules {
		in := shop.RuleInput{Quantity: r.quantity, Per: r.per, PeriodDays: r.days}
		if r.product != "" {
			in.ProductID = product[productKey{r.product, r.gender}].ID
		}
		if _, err := shop.CreateRule(ctx, d, a, in); err != nil {
			return fmt.Errorf("shop: rule: %w", err)
		}
	}
	var offer []int64
	for _, b := range shopBoxes {
		offer = append(offer, product[productKey{b.product, b.gender}].ID)
	}
	return seedShopDays(ctx, d, c.shop, offer)
}

// seedShopDays issues the cards over the first days and serves some of them
// every day since, as the rules allow.
func seedShopDays(ctx context.Context, d *db.DB, a access.Actor, offer []int64) error {
	rng := rand.New(rand.NewPCG(2026, 12))
	now := d.Clock.Now()
	start := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, time.UTC).AddDate(0, 0, -shopDays)
	type card struct{ id, household int64 }
	var cards []card
	for day := 0; day < shopDays; day++ {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			at := start.AddDate(0, 0, day)
			// New cards come in the first week.
			for len(cards) < shopCards*(day+1)/7 && len(cards) < shopCards {
				tx.Now = at
				household := 1
				if rng.IntN(10) >= 7 {
					household = 2 + rng.IntN(4)
				}
				c, _, err := people.Issue(ctx, tx, a, people.NewCard{HouseholdSize: household})
				if err != nil {
					return err
				}
				cards = append(cards, card{c.ID, int64(household)})
				at = at.Add(time.Minute)
			}
			visits := len(cards) / 6
			for v := 0; v < visits; v++ {
				at = at.Add(time.Duration(1+rng.IntN(4)) * time.Minute)
				if at.After(now) {
					break
				}
				tx.Now = at
				c := cards[rng.IntN(len(cards))]
				var lines []shop.Line
				for _, i := range rng.Perm(len(offer))[:1+rng.IntN(2)] {
					lines = append(lines, shop.Line{ProductID: offer[i], Quantity: int64(1 + rng.IntN(2))})
				}
				err := tx.Savepoint(ctx, func() error {
					_, err := shop.CheckoutTx(ctx, tx, a, shop.Card{ID: c.id, Household: c.household}, shop.Request{Lines: lines}, at, "")
					return err
				})
				if r, ok := shop.RefusalOf(err); ok {
					if err := shop.RecordRefusalTx(ctx, tx, a, r.Rule.ID); err != nil {
						return err
					}
					continue
				}
				if err != nil && !apperr.Is(err, apperr.Invalid) { // a box ran short: the next visit
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("shop: day %d: %w", day, err)
		}
	}
	return nil
}
