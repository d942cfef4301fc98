package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/i18n"
	"abri/internal/ledger"
)

// kitWorld is the catalogue world with a base product of A1 to make kits of
// and the four standard products of a shelter kit.
type kitWorld struct {
	world
	tents, bags, mats, tarps, blankets catalog.Product
	kit, kit2, kit3                    catalog.Product // A1's own products
	theirs, otherBase                  catalog.Product // B1's and A2's own products
	standardIDs                        []int64         // every product A1 uses, in catalogue order
	tentsBagsMatsTarps                 []catalog.KitComponent
}

func kitSetup(t *testing.T, d *db.DB) *kitWorld {
	t.Helper()
	ctx := context.Background()
	w := &kitWorld{world: setup(t, d)}
	ps, err := catalog.Products(ctx, d, w.a1)
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string) catalog.Product {
		p, ok := findProduct(ps, name)
		if !ok {
			t.Fatalf("no %s in the catalogue", name)
		}
		return p
	}
	w.tents, w.bags, w.mats, w.tarps, w.blankets = find("Tents"), find("Sleeping Bags"), find("Sleeping Mats"), find("Tarps"), find("Blankets")
	for _, p := range ps {
		w.standardIDs = append(w.standardIDs, p.ID)
	}
	add := func(actor access.Actor, name string) catalog.Product {
		t.Helper()
		p, err := w.cat.AddProduct(ctx, actor, catalog.NewProduct{Name: name, CategoryID: w.tents.CategoryID, SizeRangeID: w.tents.SizeRangeID})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w.kit, w.kit2, w.kit3 = add(w.a1, "Shelter kit"), add(w.a1, "Winter kit"), add(w.a1, "Hygiene kit")
	w.theirs, w.otherBase = add(w.b1, "Their kit"), add(w.a2, "A2 kit")
	w.tentsBagsMatsTarps = []catalog.KitComponent{
		{ProductID: w.tents.ID, Quantity: 1}, {ProductID: w.bags.ID, Quantity: 1},
		{ProductID: w.mats.ID, Quantity: 1}, {ProductID: w.tarps.ID, Quantity: 2},
	}
	return w
}

// pairs shows a kit's contents as "1 × Tents; 2 × Tarps; ".
func pairs(cs []catalog.KitComponent) string {
	s := ""
	for _, c := range cs {
		s += fmt.Sprintf("%d × %s; ", c.Quantity, c.Name)
	}
	return s
}

// kitRows is the kit_components table as "kit:component×quantity" rows.
func kitRows(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), "SELECT kit_id, component_id, quantity FROM kit_components ORDER BY kit_id, component_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, c, q int64
		if err := rows.Scan(&k, &c, &q); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%d×%d", k, c, q))
	}
	return out
}

func TestSetKit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := kitSetup(t, d)
		ctx := context.Background()

		got, err := w.cat.SetKit(ctx, w.a1, w.kit.ID, w.tentsBagsMatsTarps)
		if err != nil {
			t.Fatal(err)
		}
		const want = "1 × Sleeping Bags; 1 × Sleeping Mats; 2 × Tarps; 1 × Tents; "
		if s := pairs(got); s != want {
			t.Errorf("SetKit answered %s, want %s", s, want)
		}
		// Everyone of the base reads it, the warehouse volunteer as the viewer.
		for _, who := range []access.Actor{w.a1, w.a1Viewer, w.a1Dist} {
			cs, err := catalog.Kit(ctx, d, who, w.kit.ID)
			if err != nil || pairs(cs) != want {
				t.Errorf("Kit as %s = %s (%v), want %s", who.Role, pairs(cs), err, want)
			}
		}
		kits, err := catalog.Kits(ctx, d, w.a1Viewer)
		if err != nil || len(kits) != 1 || kits[0].ProductID != w.kit.ID || kits[0].Name != "Shelter kit" || pairs(kits[0].Components) != want {
			t.Fatalf("Kits = %+v (%v), want the shelter kit", kits, err)
		}
		// A plain product has no contents; other bases have no kits.
		if cs, err := catalog.Kit(ctx, d, w.a1, w.kit2.ID); err != nil || len(cs) != 0 {
			t.Errorf("plain product's kit = %+v (%v), want empty", cs, err)
		}
		if cs, err := catalog.Kit(ctx, d, w.a1, w.tents.ID); err != nil || len(cs) != 0 {
			t.Errorf("standard product's kit = %+v (%v), want empty", cs, err)
		}
		for _, other := range []access.Actor{w.a2, w.b1} {
			if ks, err := catalog.Kits(ctx, d, other); err != nil || len(ks) != 0 {
				t.Errorf("Kits of base %d = %+v (%v), want none", other.BaseID, ks, err)
			}
		}

		// The ledger says who made it a kit of what.
		h, err := ledger.History(ctx, d, w.a1.OrgID, "product", w.kit.ID, 0)
		if err != nil || len(h) != 2 || h[1].Kind != "product.kit_set" || h[1].ActorID != w.a1.UserID {
			t.Fatalf("history = %+v (%v), want created then kit_set by the admin", h, err)
		}
		var payload struct {
			Components []struct {
				ProductID int64 `json:"product_id"`
				Quantity  int64 `json:"quantity"`
			} `json:"components"`
		}
		if err := json.Unmarshal(h[1].Payload, &payload); err != nil || len(payload.Components) != 4 {
			t.Fatalf("payload %s (%v)", h[1].Payload, err)
		}
		qty := map[int64]int64{}
		for _, c := range payload.Components {
			qty[c.ProductID] = c.Quantity
		}
		if qty[w.tents.ID] != 1 || qty[w.tarps.ID] != 2 || qty[w.bags.ID] != 1 || qty[w.mats.ID] != 1 {
			t.Errorf("payload %s, want the four ids and quantities", h[1].Payload)
		}

		// The same contents again, in another order, change nothing.
		again := []catalog.KitComponent{w.tentsBagsMatsTarps[3], w.tentsBagsMatsTarps[1], w.tentsBagsMatsTarps[0], w.tentsBagsMatsTarps[2]}
		if _, err := w.cat.SetKit(ctx, w.a1, w.kit.ID, again); err != nil {
			t.Fatal(err)
		}
		if h, _ := ledger.History(ctx, d, w.a1.OrgID, "product", w.kit.ID, 0); len(h) != 2 {
			t.Errorf("setting the same contents wrote an event: %d events", len(h))
		}

		// The warehouse changes it: one tarp, a blanket instead of the mat.
		wh := access.Actor{UserID: w.a1.UserID, OrgID: w.a1.OrgID, BaseID: w.a1.BaseID, Role: access.Warehouse}
		got, err = w.cat.SetKit(ctx, wh, w.kit.ID, []catalog.KitComponent{
			{ProductID: w.tents.ID, Quantity: 1}, {ProductID: w.bags.ID, Quantity: 1},
			{ProductID: w.blankets.ID, Quantity: 1}, {ProductID: w.tarps.ID, Quantity: 1},
		})
		if err != nil || pairs(got) != "1 × Blankets; 1 × Sleeping Bags; 1 × Tarps; 1 × Tents; " {
			t.Errorf("changed kit = %s (%v)", pairs(got), err)
		}

		// Up to 20 products, up to 100 of each.
		var twenty []catalog.KitComponent
		for _, id := range w.standardIDs[:catalog.MaxKitComponents] {
			twenty = append(twenty, catalog.KitComponent{ProductID: id, Quantity: catalog.MaxKitQuantity})
		}
		if got, err := w.cat.SetKit(ctx, w.a1, w.kit2.ID, twenty); err != nil || len(got) != 20 {
			t.Errorf("20 products × 100: %d (%v)", len(got), err)
		}

		// An empty list makes it a plain product again; it may then go in a kit.
		got, err = w.cat.SetKit(ctx, w.a1, w.kit2.ID, nil)
		if err != nil || len(got) != 0 {
			t.Fatalf("emptied kit = %+v (%v)", got, err)
		}
		h, _ = ledger.History(ctx, d, w.a1.OrgID, "product", w.kit2.ID, 0)
		if last := h[len(h)-1]; last.Kind != "product.kit_set" || string(last.Payload) != `{"components":[]}` {
			t.Errorf("emptying wrote %s %s", last.Kind, last.Payload)
		}
		if _, err := w.cat.SetKit(ctx, w.a1, w.kit3.ID, []catalog.KitComponent{{ProductID: w.kit2.ID, Quantity: 3}}); err != nil {
			t.Errorf("a former kit in a kit: %v", err)
		}
		if ks, _ := catalog.Kits(ctx, d, w.a1); len(ks) != 2 || ks[0].Name != "Hygiene kit" || ks[1].Name != "Shelter kit" {
			t.Errorf("Kits = %+v, want the hygiene and shelter kits", ks)
		}
		// A kit may hold a product the base hides, and the base may hide a kit.
		if err := w.cat.HideProduct(ctx, w.a1, w.mats.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := w.cat.SetKit(ctx, w.a1, w.kit.ID, w.tentsBagsMatsTarps); err != nil {
			t.Errorf("hidden component: %v", err)
		}
	})
}

func TestSetKitRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := kitSetup(t, d)
		ctx := context.Background()
		if _, err := w.cat.SetKit(ctx, w.a1, w.kit.ID, w.tentsBagsMatsTarps); err != nil {
			t.Fatal(err)
		}
		before, beforeLedger := kitRows(t, d), count(t, d, "ledger")

		// Roles that do not manage the catalogue.
		for _, who := range []access.Actor{w.a1Viewer, w.a1Dist} {
			_, err := w.cat.SetKit(ctx, who, w.kit.ID, nil)
			wantCode(t, err, apperr.Forbidden)
		}
		// Another organisation or base: its kits do not exist here.
		for _, who := range []access.Actor{w.b1, w.a2} {
			_, err := w.cat.SetKit(ctx, who, w.kit.ID, []catalog.KitComponent{{ProductID: w.tents.ID, Quantity: 1}})
			wantCode(t, err, apperr.NotFound)
			_, err = catalog.Kit(ctx, d, who, w.kit.ID)
			wantCode(t, err, apperr.NotFound)
		}
		_, err := w.cat.SetKit(ctx, w.a1, 999999, []catalog.KitComponent{{ProductID: w.tents.ID, Quantity: 1}})
		wantCode(t, err, apperr.NotFound)
		_, err = catalog.Kit(ctx, d, access.Actor{}, w.kit.ID)
		wantCode(t, err, apperr.Unauthorized)
		_, err = catalog.Kits(ctx, d, access.Actor{})
		wantCode(t, err, apperr.Unauthorized)

		// Bad contents: a clear message each, and nothing changes.
		one := func(id, q int64) []catalog.KitComponent { return []catalog.KitComponent{{ProductID: id, Quantity: q}} }
		var tooMany []catalog.KitComponent
		for _, id := range w.standardIDs[:catalog.MaxKitComponents+1] {
			tooMany = append(tooMany, catalog.KitComponent{ProductID: id, Quantity: 1})
		}
		if _, err := w.cat.SetKit(ctx, w.a1, w.kit3.ID, one(w.kit2.ID, 1)); err != nil {
			t.Fatal(err) // kit3 holds kit2
		}
		before, beforeLedger = kitRows(t, d), count(t, d, "ledger")
		for _, c := range []struct {
			name string
			kit  int64
			cs   []catalog.KitComponent
			key  string
		}{
			{"itself", w.kit2.ID, one(w.kit2.ID, 1), "catalog.error.kit_self"},
			{"unknown product", w.kit2.ID, one(999999, 1), "catalog.error.kit_component_unknown"},
			{"no product", w.kit2.ID, one(0, 1), "catalog.error.kit_component_unknown"},
			{"another organisation's product", w.kit2.ID, one(w.theirs.ID, 1), "catalog.error.kit_component_unknown"},
			{"another base's product", w.kit2.ID, one(w.otherBase.ID, 1), "catalog.error.kit_component_unknown"},
			{"quantity 0", w.kit2.ID, one(w.tents.ID, 0), "catalog.error.kit_quantity"},
			{"quantity 101", w.kit2.ID, one(w.tents.ID, 101), "catalog.error.kit_quantity"},
			{"negative quantity", w.kit2.ID, one(w.tents.ID, -1), "catalog.error.kit_quantity"},
			{"twice", w.kit2.ID, append(one(w.tents.ID, 1), one(w.tents.ID, 2)...), "catalog.error.kit_duplicate"},
			{"too many", w.kit2.ID, tooMany, "catalog.error.kit_too_many"},
			{"a kit in a kit", w.kit2.ID, one(w.kit.ID, 1), "catalog.error.kit_nested"},
			{"a kit in a kit among others", w.kit2.ID, append(one(w.tents.ID, 1), one(w.kit3.ID, 1)...), "catalog.error.kit_nested"},
			{"a kit inside another kit made a kit", w.kit2.ID, one(w.tents.ID, 1), "catalog.error.kit_is_component"},
			{"a standard product made a kit", w.tents.ID, one(w.bags.ID, 1), "catalog.error.kit_not_own"},
		} {
			_, err := w.cat.SetKit(ctx, w.a1, c.kit, c.cs)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Key != c.key {
				t.Errorf("%s: error = %v, want invalid %s", c.name, err, c.key)
				continue
			}
			if msg := i18n.Message("en", e); msg == "" || msg == c.key {
				t.Errorf("%s: no message for %s", c.name, c.key)
			}
		}
		if after := kitRows(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("refused changes changed the kits:\n%v\nwant\n%v", after, before)
		}
		if n := count(t, d, "ledger"); n != beforeLedger {
			t.Errorf("refused changes wrote %d ledger events", n-beforeLedger)
		}
	})
}

// TestKitsDoNotNestUnderRaces sets kits at the same time that would nest if
// both went through: a kit holding a product while that product is made a
// kit. One of each pair must be refused, on either database.
func TestKitsDoNotNestUnderRaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := kitSetup(t, d)
		ctx := context.Background()
		for round := 0; round < 8; round++ {
			for _, id := range []int64{w.kit.ID, w.kit2.ID, w.kit3.ID} {
				if _, err := w.cat.SetKit(ctx, w.a1, id, nil); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[0] = w.cat.SetKit(ctx, w.a1, w.kit.ID, []catalog.KitComponent{{ProductID: w.kit2.ID, Quantity: 1}})
			}()
			go func() {
				defer wg.Done()
				_, errs[1] = w.cat.SetKit(ctx, w.a1, w.kit2.ID, []catalog.KitComponent{{ProductID: w.kit3.ID, Quantity: 1}})
			}()
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !apperr.Is(err, apperr.Invalid):
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of the two nesting changes went through (%v)", round, ok, errs)
			}
			var n int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM kit_components a JOIN kit_components b ON b.kit_id = a.component_id`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("round %d: %d nested kits (%v)", round, n, err)
			}
		}
	})
}

// Every message a kit can be refused with reads in every language.
func TestKitTranslations(t *testing.T) {
	for _, lang := range i18n.Languages {
		have := map[string]bool{}
		for _, k := range i18n.Keys(lang) {
			have[k] = true
		}
		for _, e := range []string{"kit_not_own", "kit_self", "kit_component_unknown", "kit_duplicate", "kit_quantity",
			"kit_too_many", "kit_nested", "kit_is_component"} {
			if !have["catalog.error."+e] {
				t.Errorf("%s: missing catalog.error.%s", lang, e)
			}
		}
	}
}
