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
	"abri/internal/stock"
)

var tables = []string{
	"organisations", "bases", "users", "memberships", "sites", "locations",
	"size_ranges", "sizes", "units", "categories", "products",
	"boxes", "donations", "label_codes", "tags", "box_tags",
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
		want := map[string]int{"organisations": 2, "bases": 3, "users": 8, "memberships": 10, "products": 162 + 5, "live api_tokens": 8,
			"boxes": 1980 + 60 + 60 + 40, "donations": 6, "label_codes": 20}
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
				// The session sees both of the admin's bases; a token acts
				// in its own base alone.
				if tp.OrgName != "Cuisine du Littoral" || tp.BaseName != "Entrepôt et cuisine" || len(sp.Memberships) != 2 || len(tp.Memberships) != 1 {
					t.Errorf("admin principal = %+v (session: %+v)", tp, sp)
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

// TestDemoWarehouse: the demo base has a warehouse a coordinator would
// recognise, made through the stock domain, and the other organisation sees
// none of it.
func TestDemoWarehouse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		accounts := account.New(d)
		users, err := demo.Seed(ctx, d, accounts)
		if err != nil {
			t.Fatal(err)
		}
		coord, err := accounts.TokenPrincipal(ctx, users[1].Token)
		if err != nil {
			t.Fatal(err)
		}
		a := coord.Actor
		s := stock.New(d)

		// About two thousand boxes, in every state a season produces.
		byState := map[stock.State]int{}
		byCategory := map[string]int{}
		var all []stock.Box
		err = s.Each(ctx, a, stock.Filter{}, func(b stock.Box) error {
			all = append(all, b)
			byState[b.State]++
			byCategory[b.CategoryName]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1980+40 { // and the free shop's 40
			t.Errorf("the demo base has %d boxes, want 1980", len(all))
		}
		for st, min := range map[stock.State]int{stock.InStock: 1700, stock.Reserved: 30, stock.HandedOut: 30, stock.Scrap: 20, stock.Lost: 10} {
			if byState[st] < min {
				t.Errorf("%d boxes %s, want at least %d (%v)", byState[st], st, min, byState)
			}
		}
		for cat, min := range map[string]int{"Shelter": 500, "Jackets / Outerwear": 200, "Bottoms": 200, "Tops": 100, "Hygiene": 200, "Food & Kitchen": 200, "Water": 30} {
			if byCategory[cat] < min {
				t.Errorf("%d boxes of %s, want at least %d", byCategory[cat], cat, min)
			}
		}
		var sized, kg, litres, dated, donated, tagged int
		sizes := map[string]bool{}
		for _, b := range all {
			if b.ProductName == "Winter Jackets" && b.Gender == "male" {
				sizes[b.Size] = true
				sized++
			}
			switch b.BaseUnit() {
			case "kg":
				kg++
				if b.MeasureMil < 1000 || b.Size != "" {
					t.Errorf("measured box %+v", b)
				}
			case "l":
				litres++
			}
			if b.ExpiresOn != "" {
				dated++
			}
			if b.DonationID != 0 {
				donated++
			}
			if len(b.Tags) > 0 {
				tagged++
			}
		}
		if len(sizes) < 5 || kg < 100 || litres < 10 || dated < 200 || donated < 300 || tagged < 100 {
			t.Errorf("jacket sizes %v, %d kg boxes, %d l boxes, %d dated, %d from donations, %d tagged", sizes, kg, litres, dated, donated, tagged)
		}
		ds, err := s.Donations(ctx, a, 50)
		if err != nil || len(ds) != 6 {
			t.Fatalf("donations = %d, %v", len(ds), err)
		}
		for _, d := range ds {
			if d.Boxes == 0 {
				t.Errorf("donation %+v made no box", d)
			}
		}
		var blank int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM label_codes WHERE org_id = ? AND base_id = ? AND box_id IS NULL", a.OrgID, a.BaseID).Scan(&blank); err != nil || blank != 20 {
			t.Errorf("%d blank labels, %v; want 20", blank, err)
		}

		// Some boxes went out in the van, were handed out and came back:
		// their history tells who moved them from where to where.
		var travelled int
		names := map[string]bool{}
		for _, b := range all {
			if b.Version < 4 {
				continue
			}
			hp, err := s.History(ctx, a, b.Code, stock.HistoryQuery{})
			if err != nil {
				t.Fatal(err)
			}
			h := hp.Entries
			travelled++
			for _, e := range h {
				names[e.ActorName] = true
				for _, c := range e.Changes {
					if e.Kind == "box.moved" && c.Field == "location" && (c.From == "" || c.To == "") {
						t.Errorf("move without its places: %+v", e)
					}
				}
			}
		}
		if travelled < 10 || !names["Hugo Lambert"] || !names["Inès Moreau"] || !names["Yasmine Haddad"] {
			t.Errorf("%d boxes with a history of 4 changes or more, by %v", travelled, names)
		}

		// The overview adds up to the boxes in the warehouse.
		rows, err := s.Overview(ctx, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		var inWarehouse int64
		for _, r := range rows {
			inWarehouse += r.Boxes
		}
		if want := byState[stock.InStock] + byState[stock.Reserved] + byState[stock.Received]; inWarehouse != int64(want) {
			t.Errorf("the overview counts %d boxes, the list %d", inWarehouse, want)
		}

		// The other organisation sees its own store, and nothing of this one.
		other, err := accounts.TokenPrincipal(ctx, users[7].Token)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.List(ctx, other.Actor, stock.Filter{Limit: 1000})
		if err != nil || len(p.Boxes) != 60 {
			t.Errorf("organisation 2 lists %d boxes, %v; want its 60", len(p.Boxes), err)
		}
		if _, err := s.Box(ctx, other.Actor, all[0].Code); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("organisation 2 reads organisation 1's box: %v", err)
		}
	})
}
