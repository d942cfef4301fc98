package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// kitLine is a kit's contents as the catalogue page shows them.
func kitLine(items ...string) string {
	return "<bdi>" + strings.Join(items, "</bdi>, <bdi>") + "</bdi>"
}

// TestKitForm makes a shelter kit on the catalogue page without
// JavaScript: choose the product, add its contents, change a quantity,
// remove one, and empty it again; bad input shows the form again with what
// was typed and changes nothing; only the base's catalogue managers see
// the form, and another organisation finds nothing.
func TestKitForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := whSetup(t, d)
		ctx := context.Background()
		ps, err := catalog.Products(ctx, d, f.sys)
		if err != nil {
			t.Fatal(err)
		}
		named := map[string]catalog.Product{}
		for _, p := range ps {
			named[p.Name] = p
		}
		tents, bags, mats, tarps := named["Tents"], named["Sleeping Bags"], named["Sleeping Mats"], named["Tarps"]
		kit, err := catalog.New(d).AddProduct(ctx, f.sys, catalog.NewProduct{Name: "Shelter kit", CategoryID: tents.CategoryID, SizeRangeID: tents.SizeRangeID})
		if err != nil {
			t.Fatal(err)
		}
		contents := func() string {
			t.Helper()
			cs, err := catalog.Kit(ctx, d, f.sys, kit.ID)
			if err != nil {
				t.Fatal(err)
			}
			s := ""
			for _, c := range cs {
				s += c.Name + "×" + id(c.Quantity) + " "
			}
			return s
		}
		kitPath, editPath := "/stock/products/"+id(kit.ID)+"/kit", "/stock/products?kit="+id(kit.ID)

		c := f.client(t)
		c.mustLogin("wim@example.org")
		r := c.get("/stock/products")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, `id="kits-h"`, "No kits yet.", `name="kit"`, `<option value="`+id(kit.ID)+`">Shelter kit</option>`,
			`<option value="`+id(f.rice.ID)+`">Rice</option>`)
		expectNotBody(t, r, `<option value="`+id(tents.ID)+`">`) // a standard product cannot be a kit

		// The empty form: two rows to add products.
		r = c.get(editPath)
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, "Contents of Shelter kit", "Nothing in this kit yet", `action="`+kitPath+`"`,
			`name="product.0"`, `name="product.1"`, `<option value="`+id(tents.ID)+`">Tents</option>`)
		expectNotBody(t, r, `name="product.2"`)
		// The kit is not offered as its own content (only in "make a kit").
		if n := strings.Count(r.body, `<option value="`+id(kit.ID)+`">Shelter kit</option>`); n != 1 {
			t.Errorf("the kit is offered %d times, want once", n)
		}

		r = c.post(kitPath, url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"1"}, "product.1": {id(bags.ID)}, "quantity.1": {"1"}})
		expectStatus(t, r, http.StatusSeeOther)
		if r.location() != "/stock/products#kits" {
			t.Errorf("saved, sent to %q", r.location())
		}
		r = c.get("/stock/products")
		expectBody(t, r, "Kit contents saved.", "<bdi>Shelter kit</bdi>", kitLine("1 × Sleeping Bags", "1 × Tents"),
			`<span class="badge">kit</span>`, `href="/stock/products?kit=`+id(kit.ID)+`#kit-h"`)
		// A kit's contents cannot become kits; the kit cannot be made one again from the list.
		expectNotBody(t, r, `<option value="`+id(kit.ID)+`">Shelter kit</option>`)

		// The form again: the products in it, each with its quantity and a
		// remove box, and two empty rows after them.
		r = c.get(editPath)
		expectBody(t, r, `name="product.0" value="`+id(bags.ID)+`"`, `name="quantity.0"`, `name="remove.0"`,
			`name="product.1" value="`+id(tents.ID)+`"`, `name="product.2"`, `name="product.3"`)
		expectNotBody(t, r, `<option value="`+id(tents.ID)+`">Tents</option>`) // already in it

		// Add a mat and two tarps, take two sleeping bags.
		r = c.post(kitPath, url.Values{
			"product.0": {id(bags.ID)}, "quantity.0": {"2"},
			"product.1": {id(tents.ID)}, "quantity.1": {"1"},
			"product.2": {id(mats.ID)}, "quantity.2": {"1"},
			"product.3": {id(tarps.ID)}, "quantity.3": {"٢"}, // typed with Arabic digits
		})
		expectStatus(t, r, http.StatusSeeOther)
		if got, want := contents(), "Sleeping Bags×2 Sleeping Mats×1 Tarps×2 Tents×1 "; got != want {
			t.Errorf("contents %q, want %q", got, want)
		}
		expectBody(t, c.get("/stock/products"), kitLine("2 × Sleeping Bags", "1 × Sleeping Mats", "2 × Tarps", "1 × Tents"))

		// Remove the mat.
		r = c.post(kitPath, url.Values{
			"product.0": {id(bags.ID)}, "quantity.0": {"2"},
			"product.1": {id(mats.ID)}, "quantity.1": {"1"}, "remove.1": {"1"},
			"product.2": {id(tarps.ID)}, "quantity.2": {"2"},
			"product.3": {id(tents.ID)}, "quantity.3": {"1"},
			"product.4": {""}, "quantity.4": {"1"},
		})
		expectStatus(t, r, http.StatusSeeOther)
		const saved = "Sleeping Bags×2 Tarps×2 Tents×1 "
		if got := contents(); got != saved {
			t.Errorf("after removing the mat: %q, want %q", got, saved)
		}

		// Bad input: the form comes back with what was typed, and the kit
		// stays as it was.
		for _, bad := range []struct {
			form url.Values
			msg  string
		}{
			{url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"0"}}, "between 1 and 100"},
			{url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"101"}}, "between 1 and 100"},
			{url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"lots"}}, "whole number"},
			{url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"1"}, "product.1": {id(tents.ID)}, "quantity.1": {"2"}}, "only once"},
			{url.Values{"product.0": {id(kit.ID)}, "quantity.0": {"1"}}, "cannot contain itself"},
			{url.Values{"product.0": {"99999999"}, "quantity.0": {"1"}}, "from the list"},
			{url.Values{"product.x": {id(tents.ID)}}, ""},
		} {
			r := c.post(kitPath, bad.form)
			if r.status != http.StatusBadRequest {
				t.Errorf("%v: status %d, want 400", bad.form, r.status)
				continue
			}
			if bad.msg != "" {
				expectBody(t, r, "Contents of Shelter kit", bad.msg)
			}
		}
		r = c.post(kitPath, url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"0"}, "product.1": {id(bags.ID)}, "quantity.1": {"3"}})
		expectBody(t, r, `name="product.0" value="`+id(tents.ID)+`"`, `name="quantity.0" type="text" inputmode="numeric" dir="ltr" size="4" required value="0"`,
			`name="product.1" value="`+id(bags.ID)+`"`)
		if got := contents(); got != saved {
			t.Errorf("refused posts changed the kit: %q, want %q", got, saved)
		}
		// A standard product's form is refused.
		expectStatus(t, c.get("/stock/products?kit="+id(tents.ID)), http.StatusBadRequest)
		expectStatus(t, c.post("/stock/products/"+id(tents.ID)+"/kit", url.Values{"product.0": {id(bags.ID)}, "quantity.0": {"1"}}), http.StatusBadRequest)
		expectStatus(t, c.get("/stock/products?kit=nine"), http.StatusNotFound)

		// A viewer sees the kit and its contents, not the form.
		v := f.client(t)
		v.mustLogin("vic@example.org")
		r = v.get("/stock/products")
		expectStatus(t, r, http.StatusOK)
		expectBody(t, r, kitLine("2 × Sleeping Bags", "2 × Tarps", "1 × Tents"))
		expectNotBody(t, r, "?kit=", `name="kit"`)
		expectStatus(t, v.get(editPath), http.StatusForbidden)
		expectStatus(t, v.post(kitPath, url.Values{}), http.StatusForbidden)

		// Another organisation finds no such product, whatever it posts.
		o := f.client(t)
		o.mustLogin("olga@example.org")
		for _, r := range []response{
			o.get(editPath),
			o.post(kitPath, url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"1"}}),
			o.post(kitPath, url.Values{"product.0": {id(tents.ID)}, "quantity.0": {"0"}}),
		} {
			expectStatus(t, r, http.StatusNotFound)
			expectNotBody(t, r, "Shelter kit")
		}
		expectNotBody(t, o.get("/stock/products"), ">Shelter kit<", "2 × Sleeping Bags")
		if got := contents(); got != saved {
			t.Errorf("refused posts changed the kit: %q, want %q", got, saved)
		}

		// Empty it: a plain product again.
		r = c.post(kitPath, url.Values{
			"product.0": {id(bags.ID)}, "quantity.0": {"2"}, "remove.0": {"1"},
			"product.1": {id(tarps.ID)}, "quantity.1": {"2"}, "remove.1": {"1"},
			"product.2": {id(tents.ID)}, "quantity.2": {"1"}, "remove.2": {"1"},
		})
		expectStatus(t, r, http.StatusSeeOther)
		if got := contents(); got != "" {
			t.Errorf("emptied kit holds %q", got)
		}
		expectBody(t, c.get("/stock/products"), "No longer a kit", "No kits yet.")
	})
}
