package server_test

import (
	"context"
	"testing"

	"abri/internal/db"
	"abri/internal/ledger"
)

// The ledger API's row of the authorization matrix: administrators read
// their own organisation's newest checkpoint (the other organisation's
// administrator gets its own); every other role is refused.
var apiLedgerRows = []check{
	// none admin coord wareh distr obser shop viewer other
	{"GET", "/api/v1/ledger/checkpoint", "", "", "401 200 403 403 403 403 403 403 200"},
}

func init() { matrix = append(matrix, apiLedgerRows...) }

// matrixSigner signs every chain head of the fixture once, so the
// checkpoint rows have something to answer.
func matrixSigner(t *testing.T, d *db.DB) *ledger.Signer {
	t.Helper()
	k, err := ledger.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	s := &ledger.Signer{DB: d, Key: k}
	if _, err := s.SignNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
