package people_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/checkcode"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/people"
)

var ctx = context.Background()

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

type world struct {
	t     testing.TB
	d     *db.DB
	clock *clock.Fixed

	admin, coord, shop, wh, viewer access.Actor
	otherBase                      access.Actor // shop volunteer in another base of org A
	foreign                        access.Actor // shop volunteer in organisation B
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, clock: clock.NewFixed(t0)}
	d.Clock = w.clock
	acc := account.New(d)
	oa, a1, err := acc.CreateOrganisation(ctx, "org-a", "Org A", "Calais")
	w.must(err)
	ob, b1, err := acc.CreateOrganisation(ctx, "org-b", "Org B", "Dover")
	w.must(err)
	a2, err := acc.CreateBase(ctx, access.SystemActor(oa.ID, a1.ID), "Dunkirk")
	w.must(err)
	n := 0
	user := func(org, base int64, role access.Role) access.Actor {
		n++
		u, err := acc.AddUser(ctx, access.SystemActor(org, base), account.NewUser{
			Email: fmt.Sprintf("%s-%d@example.invalid", role, n), Name: string(role), BaseID: base, Role: role})
		w.must(err)
		return access.Actor{UserID: u.ID, OrgID: org, BaseID: base, Role: role}
	}
	w.admin = user(oa.ID, a1.ID, access.Admin)
	w.coord = user(oa.ID, a1.ID, access.Coordinator)
	w.shop = user(oa.ID, a1.ID, access.Shop)
	w.wh = user(oa.ID, a1.ID, access.Warehouse)
	w.viewer = user(oa.ID, a1.ID, access.Viewer)
	w.otherBase = user(oa.ID, a2.ID, access.Shop)
	w.foreign = user(ob.ID, b1.ID, access.Shop)
	t.Cleanup(func() {
		rep, err := ledger.Verify(ctx, d)
		if err != nil || !rep.OK() {
			t.Errorf("ledger after the test: %v, %v, %d rows differ: %v", rep.Broken, err, rep.Differing, rep.Differences)
		}
	})
	return w
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) issue(actor access.Actor, in people.NewCard) (people.Card, string) {
	w.t.Helper()
	var c people.Card
	var code string
	w.must(w.d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		c, code, err = people.Issue(ctx, tx, actor, in)
		return err
	}))
	return c, code
}

func (w *world) find(actor access.Actor, code string) (people.Card, error) {
	var c people.Card
	err := w.d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		c, err = people.Find(ctx, tx, actor, code)
		return err
	})
	return c, err
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	w.must(w.d.QueryRow(ctx, q, args...).Scan(&n))
	return n
}

func TestIssueAndFind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c, code := w.issue(w.shop, people.NewCard{HouseholdSize: 3, AgeBands: map[string]int{"adult": 1, "child": 2},
			Genders: map[string]int{"woman": 1}, Languages: []string{"AR", "ps", "ar"}})
		if len(code) != people.CodeLen || !checkcode.Valid(code) {
			t.Fatalf("code %q", code)
		}
		if c.ID == 0 || c.HouseholdSize != 3 || c.AgeBands["child"] != 2 || fmt.Sprint(c.Languages) != "[ar ps]" {
			t.Fatalf("card %+v", c)
		}
		// The code is never in the database.
		if n := w.count("SELECT COUNT(*) FROM cards WHERE CAST(code_hmac AS TEXT) LIKE ?", "%"+code+"%"); n != 0 {
			t.Fatal("the code is stored in clear")
		}
		for _, typed := range []string{code, people.FormatCode(code), " " + people.FormatCode(code) + " "} {
			got, err := w.find(w.shop, typed)
			if err != nil || got.ID != c.ID || got.HouseholdSize != 3 || got.Genders["woman"] != 1 {
				t.Fatalf("find %q: %+v, %v", typed, got, err)
			}
		}
		// A coordinator and an admin of the base find it too.
		for _, a := range []access.Actor{w.coord, w.admin} {
			if got, err := w.find(a, code); err != nil || got.ID != c.ID {
				t.Fatalf("find as %s: %v", a.Role, err)
			}
		}
		// Mistyped: the check symbol catches it.
		last := code[len(code)-1]
		wrong := code[:len(code)-1] + string(checkcode.Alphabet[(indexOf(last)+1)%32])
		if _, err := w.find(w.shop, wrong); !errors.Is(err, people.ErrMistyped) || apperr.FieldOf(err) != "code" {
			t.Fatalf("mistyped: %v", err)
		}
		if _, err := w.find(w.shop, "NOT A CODE"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("garbage: %v", err)
		}
		// Unknown, another base's, another organisation's: the same not found.
		unknown := checkcode.New(people.CodeLen - 1)
		_, errUnknown := w.find(w.shop, unknown)
		if !apperr.Is(errUnknown, apperr.NotFound) {
			t.Fatalf("unknown: %v", errUnknown)
		}
		for _, a := range []access.Actor{w.otherBase, w.foreign, w.wh, w.viewer} {
			if _, err := w.find(a, code); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("find as %+v: %v", a, err)
			}
			if _, err := people.Get(ctx, d, a, c.ID); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("get as %+v: %v", a, err)
			}
		}
		// Bad input: nothing made.
		before := w.count("SELECT COUNT(*) FROM cards")
		for _, bad := range []struct {
			in    people.NewCard
			field string
		}{
			{people.NewCard{HouseholdSize: -1}, "household_size"},
			{people.NewCard{HouseholdSize: 99}, "household_size"},
			{people.NewCard{HouseholdSize: 1, AgeBands: map[string]int{"adult": 2}}, "age_bands"},
			{people.NewCard{HouseholdSize: 2, Genders: map[string]int{"nationality": 1}}, "genders"},
			{people.NewCard{HouseholdSize: 2, Languages: []string{"arabic!"}}, "languages"},
			{people.NewCard{HouseholdSize: 2, Fields: people.Fields{Name: "Sam"}}, "name"},
		} {
			err := w.d.InTx(ctx, func(tx *db.Tx) error { _, _, err := people.Issue(ctx, tx, w.shop, bad.in); return err })
			if !apperr.Is(err, apperr.Invalid) || apperr.FieldOf(err) != bad.field {
				t.Fatalf("%+v: %v (field %q)", bad.in, err, apperr.FieldOf(err))
			}
		}
		if after := w.count("SELECT COUNT(*) FROM cards"); after != before {
			t.Fatalf("bad input made cards: %d -> %d", before, after)
		}
		if err := w.d.InTx(ctx, func(tx *db.Tx) error { _, _, err := people.Issue(ctx, tx, w.wh, people.NewCard{}); return err }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("warehouse issues: %v", err)
		}
		// The admin's lookups are in the access log; the shop's are not.
		log, err := people.AccessLog(ctx, d, w.admin, 0)
		w.must(err)
		if len(log) != 1 || log[0].What != people.AccessLookup || log[0].CardID != c.ID || log[0].UserID != w.admin.UserID {
			t.Fatalf("access log %+v", log)
		}
		// Opening the card by its id is a lookup too.
		if _, err := people.Get(ctx, d, w.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		if log, _ = people.AccessLog(ctx, d, w.admin, 0); len(log) != 2 || log[0].What != people.AccessLookup {
			t.Fatalf("access log after the admin opened the card: %+v", log)
		}
		if _, err := people.AccessLog(ctx, d, w.coord, 0); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("coordinator reads the access log: %v", err)
		}
	})
}

func indexOf(b byte) int {
	for i := 0; i < len(checkcode.Alphabet); i++ {
		if checkcode.Alphabet[i] == b {
			return i
		}
	}
	return -1
}

func TestTouchAndReplaceKeepTheCard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c, code := w.issue(w.shop, people.NewCard{HouseholdSize: 1})
		c2, _ := w.issue(w.shop, people.NewCard{HouseholdSize: 2})
		touch := func(id int64, at time.Time) {
			w.must(d.InTx(ctx, func(tx *db.Tx) error { _, err := people.Touch(ctx, tx, w.shop, id, at); return err }))
		}
		touch(c.ID, t0)                   // Tuesday
		touch(c.ID, t0.Add(48*time.Hour)) // same week: counted once
		touch(c2.ID, t0.Add(time.Hour))
		touch(c.ID, t0.AddDate(0, 0, 7)) // next week
		touch(c.ID, t0)                  // earlier than the last use: nothing
		// Another base's shop cannot touch the card.
		if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := people.Touch(ctx, tx, w.otherBase, c.ID, t0); return err }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("touch from another base: %v", err)
		}
		got, err := people.Get(ctx, d, w.shop, c.ID)
		w.must(err)
		if !got.LastUsedAt.Equal(t0.AddDate(0, 0, 7)) {
			t.Fatalf("last used %v", got.LastUsedAt)
		}
		var fresh string
		w.must(d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			fresh, err = people.Replace(ctx, tx, w.shop, c.ID)
			return err
		}))
		if _, err := w.find(w.shop, code); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("old code after replacement: %v", err)
		}
		if got, err := w.find(w.shop, fresh); err != nil || got.ID != c.ID || !got.LastUsedAt.Equal(t0.AddDate(0, 0, 7)) {
			t.Fatalf("new code: %+v, %v", got, err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := people.Replace(ctx, tx, w.foreign, c.ID); return err }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("foreign replace: %v", err)
		}
	})
}

// A new code that clashes with a card's of the base is drawn again, in the
// same transaction, on both databases.
func TestCodeClashDrawsAnother(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a, taken := w.issue(w.shop, people.NewCard{HouseholdSize: 1})
		fresh := []string{taken, checkcode.New(people.CodeLen - 1), taken, checkcode.New(people.CodeLen - 1)}
		defer people.SetNewCode(func() string { c := fresh[0]; fresh = fresh[1:]; return c })()
		b, code := w.issue(w.shop, people.NewCard{HouseholdSize: 2})
		if code == taken || b.ID == a.ID {
			t.Fatalf("issued %q (card %d) after a clash with card %d", code, b.ID, a.ID)
		}
		var replaced string
		w.must(d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			replaced, err = people.Replace(ctx, tx, w.shop, b.ID)
			return err
		}))
		for want, c := range map[int64]string{a.ID: taken, b.ID: replaced} {
			if got, err := w.find(w.shop, c); err != nil || got.ID != want {
				t.Fatalf("code %q finds %+v, %v; want card %d", c, got, err, want)
			}
		}
		if len(fresh) != 0 {
			t.Fatalf("%d codes left undrawn", len(fresh))
		}
	})
}

// An administrator's action on a card (the card screen looks it up, then
// replaces its code) is one lookup in the access log, not one per read.
func TestAdminActionLogsOneLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c, _ := w.issue(w.shop, people.NewCard{HouseholdSize: 1})
		_, err := people.Get(ctx, d, w.admin, c.ID)
		w.must(err)
		_, err = people.ReplaceCard(ctx, d, w.admin, c.ID)
		w.must(err)
		if n := w.count("SELECT COUNT(*) FROM card_access_log WHERE what = ?", people.AccessLookup); n != 1 {
			t.Errorf("%d lookups logged, want 1", n)
		}
	})
}
