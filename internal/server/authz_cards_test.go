package server_test

import (
	"context"
	"strconv"
	"testing"

	"abri/internal/access"
	"abri/internal/db"
	"abri/internal/people"
)

// The free-shop cards' rows of the authorization matrix. Only shop
// volunteers, coordinators and admins of a base use cards (and only
// coordinators and admins set the base's card settings, only admins read
// the access log); to every other role they do not exist (404). Requests
// that would change something carry bad input or lack the erasure's
// confirmation, so nothing is made or erased for the next rows.
var cardRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"GET", "/cards", "", "", "303>/login 200 200 404 404 404 200 404 200"},
	{"POST", "/cards", "", "household_size=-1", "303>/login 400 400 404 404 404 400 404 400"},
	{"POST", "/cards/find", "", "code=NOTACODE", "303>/login 400 400 404 404 404 400 404 400"},
	{"POST", "/cards/settings", "", "retention_days=0", "303>/login 400 400 404 404 404 404 404 400"},
	{"GET", "/cards/log", "", "", "303>/login 200 404 404 404 404 404 404 200"},
	{"GET", "/cards/{id}", "/cards/{card_id}", "", "303>/login 200 200 404 404 404 200 404 404"},
	{"POST", "/cards/{id}/print", "/cards/{card_id}/print", "code=NOTACODE", "303>/login 400 400 404 404 404 400 404 404"},
	{"POST", "/cards/{id}/replace", "/cards/{card_id}/replace", "", "303>/login 200 200 404 404 404 200 404 404"},
	{"POST", "/cards/{id}/erase", "/cards/{card_id}/erase", "", "303>/login 400 400 404 404 404 400 404 404"},
	{"POST", "/cards/{id}/fields", "/cards/{card_id}/fields", "", "303>/login 200 200 404 404 404 200 404 404"},
	{"POST", "/cards/{id}/fields/save", "/cards/{card_id}/fields/save", "phone=call+me", "303>/login 400 400 404 404 404 400 404 404"},
	{"POST", "/cards/{id}/export", "/cards/{card_id}/export", "code=NOTACODE", "303>/login 400 404 404 404 404 404 404 404"},
	{"POST", "/api/v1/cards", "", `{"household_size":-1}`, "401 400 400 404 404 404 400 404 400"},
	{"DELETE", "/api/v1/cards/{code}", "/api/v1/cards/NOTACODE", "", "401 400 400 404 404 404 400 404 400"},
}

func init() { matrix = append(matrix, cardRows...) }

// addCardVars issues a card in sys's base.
func addCardVars(t *testing.T, d *db.DB, sys access.Actor, vars map[string]string) {
	t.Helper()
	c, _, err := people.IssueCard(context.Background(), d, sys, people.NewCard{HouseholdSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	vars["{card_id}"] = strconv.FormatInt(c.ID, 10)
}
