package server_test

import (
	"context"
	"strconv"
	"testing"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/shop"
	"abri/internal/shop/shoptest"
)

// The free shop's rows of the authorization matrix. Shop volunteers,
// coordinators and admins of the base use the shop; coordinators and admins
// set its rules and read its reports; to every other role it does not exist
// (404). Every change is asked with bad input, so nothing is saved for the
// next rows.
var shopRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"GET", "/shop", "", "", "303>/login 200 200 404 404 404 200 404 200"},
	{"POST", "/shop/card", "", "code={card}", "303>/login 200 200 404 404 404 200 404 404"},
	{"POST", "/shop/checkout", "", "code={card}&product=0&quantity=1", "303>/login 400 400 404 404 404 400 404 404"},
	{"GET", "/shop/rules", "", "", "303>/login 200 200 404 404 404 200 404 200"},
	{"POST", "/shop/rules", "", "what=tokens&quantity=0&per=card&period_days=7", "303>/login 400 400 404 404 404 403 404 400"},
	{"POST", "/shop/rules/{id}", "/shop/rules/{rule}", "what=tokens&quantity=0&per=card&period_days=7", "303>/login 400 400 404 404 404 403 404 404"},
	{"GET", "/shop/reports", "", "", "303>/login 200 200 404 404 404 403 404 200"},
	{"GET", "/shop/reports.csv", "", "", "303>/login 200 200 404 404 404 403 404 200"},
	{"GET", "/api/v1/entitlement-rules", "", "", "401 200 200 404 404 404 200 404 200"},
	{"POST", "/api/v1/entitlement-rules", "", `{"quantity":0,"per":"card","period_days":14}`, "401 400 400 404 404 404 403 404 400"},
	{"GET", "/api/v1/cards/{code}", "/api/v1/cards/{card}", "", "401 200 200 404 404 404 200 404 404"},
	{"POST", "/api/v1/checkouts", "", `{"code":"{card}","lines":[{"product_id":1,"quantity":0}],"override":""}`, "401 400 400 404 404 404 400 404 404"},
}

func init() { matrix = append(matrix, shopRows...) }

// addShopVars issues a card and adds a rule in sys's base.
func addShopVars(t *testing.T, d *db.DB, sys access.Actor, vars map[string]string) {
	t.Helper()
	ctx := context.Background()
	code, _ := shoptest.Card(t, d, sys)
	r, err := shop.CreateRule(ctx, d, sys, shop.RuleInput{Quantity: 3, Per: shop.PerCard, PeriodDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	vars["{card}"] = code
	vars["{rule}"] = strconv.FormatInt(r.ID, 10)
}
