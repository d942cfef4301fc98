package account_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/clock"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
)

var ctx = context.Background()

var t0 = time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)

// pw is every test user's password.
const pw = "correct horse battery"

// world is two organisations: Calais Aid with three bases and an
// administrator, and Dover Support with one base and its own administrator.
type world struct {
	t   *testing.T
	d   *db.DB
	s   *account.Service
	clk *clock.Fixed

	orgA, orgB     account.Organisation
	a1, a2, a3, b1 account.Base // a1 sorts first by name, so logins land there
	adminA, adminB access.Actor
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	w := &world{t: t, d: d, s: account.New(d), clk: clock.NewFixed(t0)}
	d.Clock = w.clk
	var err error
	if w.orgA, w.a1, err = w.s.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Calais warehouse"); err != nil {
		t.Fatal(err)
	}
	sysA := access.SystemActor(w.orgA.ID, w.a1.ID)
	if w.a2, err = w.s.CreateBase(ctx, sysA, "Dunkirk kitchen"); err != nil {
		t.Fatal(err)
	}
	if w.a3, err = w.s.CreateBase(ctx, sysA, "Grande-Synthe depot"); err != nil {
		t.Fatal(err)
	}
	if w.orgB, w.b1, err = w.s.CreateOrganisation(ctx, "dover-support", "Dover Support", "Dover store"); err != nil {
		t.Fatal(err)
	}
	w.adminA = w.user(sysA, "admin@calais.example", access.Admin)
	w.adminB = w.user(access.SystemActor(w.orgB.ID, w.b1.ID), "admin@dover.example", access.Admin)
	// Whatever a test did, the ledger it leaves must verify.
	t.Cleanup(func() {
		rep, err := ledger.Verify(ctx, d)
		if err != nil || rep.Broken != nil {
			t.Errorf("ledger after the test: %v, %v", rep.Broken, err)
		}
	})
	return w
}

// user adds a user with pw and a role in the actor's base and returns the
// actor they act as there.
func (w *world) user(by access.Actor, email string, role access.Role) access.Actor {
	w.t.Helper()
	u, err := w.s.AddUser(ctx, by, account.NewUser{Email: email, Name: "Volunteer " + string(role),
		Password: pw, BaseID: by.BaseID, Role: role})
	if err != nil {
		w.t.Fatalf("add %s: %v", email, err)
	}
	return access.Actor{UserID: u.ID, OrgID: u.OrgID, BaseID: by.BaseID, Role: role}
}

func (w *world) login(email, password string) account.Session {
	w.t.Helper()
	s, err := w.s.Login(ctx, email, password, "192.0.2.1")
	if err != nil {
		w.t.Fatalf("login %s: %v", email, err)
	}
	return s
}

func (w *world) principal(token string) account.Principal {
	w.t.Helper()
	p, err := w.s.SessionPrincipal(ctx, token)
	if err != nil {
		w.t.Fatalf("session principal: %v", err)
	}
	return p
}

func (w *world) signedOut(token string) {
	w.t.Helper()
	_, err := w.s.SessionPrincipal(ctx, token)
	wantErr(w.t, err, apperr.Unauthorized, "error.unauthorized")
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// snapshot dumps what a refused call must leave alone: every row of the
// account tables (bar a session's sliding expiry) and the ledger's length.
func (w *world) snapshot() string {
	w.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT id, slug, name FROM organisations ORDER BY id",
		"SELECT id, org_id, name FROM bases ORDER BY id",
		"SELECT id, org_id, email, display_name, password_hash, lang, disabled, password_changed_at FROM users ORDER BY id",
		"SELECT user_id, base_id, org_id, role FROM memberships ORDER BY user_id, base_id",
		"SELECT id_hash, user_id, base_id, created_at FROM sessions ORDER BY id_hash",
		"SELECT id, user_id, base_id, name, token_hash, revoked_at FROM api_tokens ORDER BY id",
		"SELECT token_hash, user_id, expires_at, used_at FROM invitations ORDER BY token_hash",
		"SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM ledger",
	} {
		rows, err := w.d.Query(ctx, q)
		if err != nil {
			w.t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				w.t.Fatal(err)
			}
			fmt.Fprintf(&b, "%v\n", vals)
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

func (w *world) unchanged(before, what string) {
	w.t.Helper()
	if after := w.snapshot(); after != before {
		w.t.Errorf("%s changed stored data:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// kinds lists the ledger event kinds about one entity, oldest first.
func (w *world) kinds(org int64, entity string, id int64) []string {
	w.t.Helper()
	es, err := ledger.History(ctx, w.d, org, entity, id, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	var ks []string
	for _, e := range es {
		ks = append(ks, e.Kind)
	}
	return ks
}

func (w *world) wantKinds(org int64, entity string, id int64, want ...string) {
	w.t.Helper()
	if got := w.kinds(org, entity, id); !slices.Equal(got, want) {
		w.t.Errorf("ledger for %s %d: %v; want %v", entity, id, got, want)
	}
}

func wantErr(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s %s", code, key)
	}
	e := apperr.As(err)
	if e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error %v; want %s %s", err, code, key)
	}
}

// each runs a test on both databases with a fresh world.
func each(t *testing.T, fn func(t *testing.T, w *world)) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { fn(t, newWorld(t, d)) })
}

func contains(s []string, x string) bool { return slices.Contains(s, x) }

func lower(s string) string { return strings.ToLower(s) }
