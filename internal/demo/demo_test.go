package demo_test

import (
	"context"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/demo"
	"abri/internal/ledger"
	"abri/internal/place"
)

var tables = []string{
	"organisations", "bases", "users", "memberships", "sites", "locations",
	"size_ranges", "sizes", "units", "categories", "products",
}

func counts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		m[tb] = n
	}
	var n int
	if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM api_tokens WHERE revoked_at = 0").Scan(&n); err != nil {
		t.Fatal(err)
	}
	m["live api_tokens"] = n
	return m
}

func TestSeedTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		accounts := account.New(d)

		first, err := demo.Seed(ctx, d, accounts)
		if err != nil {
			t.Fatalf("first seed: %v", err)
		}
		after1 := counts(t, d)
		second, err := demo.Seed(ctx, d, accounts)
		if err != nil {
			t.Fatalf("second seed: %v", err)
		}
		after2 := counts(t, d)
		for k, v := range after1 {
			if after2[k] != v {
				t.Errorf("%s: %d after the first seed, %d after the second", k, v, after2[k])
			}
		}
		want := map[string]int{"organisations": 2, "bases": 3, "users": 8, "memberships": 10, "products": 162, "live api_tokens": 8}
		for k, v := range want {
			if after2[k] != v {
				t.Errorf("%s = %d, want %d", k, after2[k], v)
			}
		}

		wantRoles := []string{"admin", "coordinator", "warehouse", "distribution", "observer", "shop", "viewer", "admin"}
		if len(second) != len(wantRoles) {
			t.Fatalf("seed returned %d users, want %d", len(second), len(wantRoles))
		}
		for i, u := range second {
			if u.Role != wantRoles[i] {
				t.Errorf("user %d is %s, want %s", i, u.Role, wantRoles[i])
			}
			if !strings.HasSuffix(u.Email, ".abri.invalid") || u.Password == "" || !strings.HasPrefix(u.Token, account.TokenPrefix) {
				t.Errorf("user %d = %+v", i, u)
			}
			if u.Email != first[i].Email || u.Password == first[i].Password || u.Token == first[i].Token {
				t.Errorf("user %d: the second seed must keep the email and give a new password and token", i)
			}
		}
		if second[1].Email != "coordinator@demo.abri.invalid" {
			t.Errorf("coordinator email = %s", second[1].Email)
		}

		var org1 int64
		for i, u := range second {
			// The printed credentials work; the first run's do not any more.
			if _, err := accounts.Login(ctx, u.Email, first[i].Password, "192.0.2.1"); !apperr.Is(err, apperr.Unauthorized) {
				t.Errorf("%s: old password: %v, want refused", u.Email, err)
			}
			sess, err := accounts.Login(ctx, u.Email, u.Password, "192.0.2.1")
			if err != nil {
				t.Fatalf("%s: login: %v", u.Email, err)
			}
			sp, err := accounts.SessionPrincipal(ctx, sess.Token)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := accounts.TokenPrincipal(ctx, first[i].Token); !apperr.Is(err, apperr.Unauthorized) {
				t.Errorf("%s: old token: %v, want revoked", u.Email, err)
			}
			tp, err := accounts.TokenPrincipal(ctx, u.Token)
			if err != nil {
				t.Fatalf("%s: token: %v", u.Email, err)
			}
			if string(tp.Actor.Role) != u.Role || tp.User.Email != u.Email || tp.Actor != sp.Actor {
				t.Errorf("%s: token acts as %+v, session as %+v", u.Email, tp.Actor, sp.Actor)
			}
			if i == 0 {
				org1 = tp.Actor.OrgID
				if tp.OrgName != "Cuisine du Littoral" || tp.BaseName != "Entrepôt et cuisine" || len(tp.Memberships) != 2 {
					t.Errorf("admin principal = %+v", tp)
				}
			}
			if inOrg1 := i < 7; inOrg1 != (tp.Actor.OrgID == org1) {
				t.Errorf("%s is in organisation %d", u.Email, tp.Actor.OrgID)
			}
		}

		// The coordinator's base has six living sites and distribution points,
		// shelves, rooms and two vans; the other organisation sees none of it.
		tp, _ := accounts.TokenPrincipal(ctx, second[1].Token)
		pl := place.New(d)
		living, _ := pl.Sites(ctx, tp.Actor, place.SiteFilter{Kind: place.SiteLiving})
		points, _ := pl.Sites(ctx, tp.Actor, place.SiteFilter{Kind: place.SiteDistribution})
		vans, _ := pl.Locations(ctx, tp.Actor, place.LocationFilter{Kind: place.LocationVan})
		shelves, _ := pl.Locations(ctx, tp.Actor, place.LocationFilter{Kind: place.LocationShelf})
		if len(living) != 6 || len(points) < 2 || len(vans) != 2 || len(shelves) < 6 || shelves[0].Name != "A1" {
			t.Errorf("base 1 has %d living sites, %d distribution points, %d vans, %d shelves", len(living), len(points), len(vans), len(shelves))
		}
		other, _ := accounts.TokenPrincipal(ctx, second[7].Token)
		if _, err := pl.Site(ctx, other.Actor, living[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("organisation 2 reads organisation 1's site: %v", err)
		}
		if ss, _ := pl.Sites(ctx, other.Actor, place.SiteFilter{}); len(ss) < 2 {
			t.Errorf("organisation 2 has %d sites, want a couple", len(ss))
		}

		// Everything went through the ledger, and the chains hold.
		rep, err := ledger.Verify(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Broken != nil || rep.Chains != 2 {
			t.Fatalf("verify: %+v (broken %v)", rep, rep.Broken)
		}
		h, _ := ledger.History(ctx, d, org1, "site", living[0].ID, 0)
		if len(h) != 1 || h[0].Kind != "site.created" {
			t.Errorf("site history = %+v", h)
		}
		var roles []string
		for _, u := range second[:7] {
			roles = append(roles, u.Role)
		}
		for _, r := range access.Roles {
			if !strings.Contains(strings.Join(roles, " "), string(r)) {
				t.Errorf("no demo user for role %s", r)
			}
		}
	})
}
