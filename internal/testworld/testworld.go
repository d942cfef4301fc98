// Package testworld builds what the domain packages' tests start from:
// organisations with their bases, a user per role, the seeded catalogue, and
// a check, when the test ends, that the ledger is intact and replays to the
// tables. It is imported by tests only.
package testworld

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/ledger"
)

// Base is one base of an organisation, made for a test.
type Base struct {
	t     testing.TB
	acc   *account.Service
	OrgID int64
	ID    int64
}

// Org creates an organisation with its first base, or fails the test.
func Org(t testing.TB, d *db.DB, slug, name, baseName string) Base {
	t.Helper()
	acc := account.New(d)
	o, b, err := acc.CreateOrganisation(context.Background(), slug, name, baseName)
	if err != nil {
		t.Fatalf("organisation %s: %v", slug, err)
	}
	return Base{t: t, acc: acc, OrgID: o.ID, ID: b.ID}
}

// Base creates another base of b's organisation.
func (b Base) Base(name string) Base {
	b.t.Helper()
	nb, err := b.acc.CreateBase(context.Background(), b.System(), name)
	if err != nil {
		b.t.Fatalf("base %s: %v", name, err)
	}
	b.ID = nb.ID
	return b
}

// System is the system's actor at this base.
func (b Base) System() access.Actor { return access.SystemActor(b.OrgID, b.ID) }

// users numbers the users made, so that each has an address of its own.
var users atomic.Int64

// User adds a user with the role at this base, named after the role, and
// returns it as an actor.
func (b Base) User(role access.Role) access.Actor {
	b.t.Helper()
	return b.UserNamed(role, string(role))
}

// UserNamed is User with the name the user is shown by.
func (b Base) UserNamed(role access.Role, name string) access.Actor {
	b.t.Helper()
	email := fmt.Sprintf("%s-%d@example.invalid", role, users.Add(1))
	u, err := b.acc.AddUser(context.Background(), b.System(), account.NewUser{Email: email, Name: name, BaseID: b.ID, Role: role})
	if err != nil {
		b.t.Fatalf("user %s: %v", role, err)
	}
	return access.Actor{UserID: u.ID, OrgID: b.OrgID, BaseID: b.ID, Role: role}
}

// Catalogue seeds the standard catalogue.
func Catalogue(t testing.TB, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error { return catalog.Seed(ctx, tx) }); err != nil {
		t.Fatalf("seed the catalogue: %v", err)
	}
}

// Shelter is three products of the seeded catalogue as actor sees them:
// tents and sleeping bags (one category, size "Mixed") and men's winter
// jackets (another category, sized).
func Shelter(t testing.TB, d *db.DB, actor access.Actor) (tent, bag, jacket catalog.Product) {
	t.Helper()
	ps, err := catalog.Products(context.Background(), d, actor)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		switch {
		case p.Name == "Tents":
			tent = p
		case p.Name == "Sleeping Bags":
			bag = p
		case p.Name == "Winter Jackets" && p.Gender == catalog.GenderMale:
			jacket = p
		}
	}
	if tent.ID == 0 || bag.ID == 0 || jacket.ID == 0 || tent.CategoryID != bag.CategoryID || tent.CategoryID == jacket.CategoryID {
		t.Fatal("the seeded catalogue lacks tents and sleeping bags (one category) or men's winter jackets (another)")
	}
	return tent, bag, jacket
}

// VerifyLedger checks, when the test ends, that every chain of the ledger
// is intact and replays to the tables.
func VerifyLedger(t testing.TB, d *db.DB) {
	t.Helper()
	t.Cleanup(func() {
		rep, err := ledger.Verify(context.Background(), d)
		if err != nil || !rep.OK() {
			t.Errorf("ledger after the test: %v, %v, %d rows differ: %v", rep.Broken, err, rep.Differing, rep.Differences)
		}
	})
}
