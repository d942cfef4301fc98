package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode"

	"abri/internal/catalog"
	"abri/internal/db"
	"abri/internal/dbtest"
)

// names lists the products as people see them in lang.
func names(lang string, ps []catalog.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, catalog.ProductDisplayName(lang, p.Name, p.Gender, p.Standard()))
	}
	return out
}

// seededProducts are the products of a base with the seeded catalogue.
func seededProducts(t *testing.T, d *db.DB) []catalog.Product {
	t.Helper()
	ps, err := catalog.Products(context.Background(), d, setup(t, d).a1)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// A volunteer types words into the product picker: each word matches on its
// own, in any order, and a gender word only as a whole word.
func TestSearchProducts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ps := seededProducts(t, d)
		find := func(lang, q string) []string { return names(lang, catalog.SearchProducts(lang, q, ps)) }

		for _, q := range []string{"trousers men", "men trousers", "TROUSERS  Men", "trou men", "men bottoms trousers"} {
			if got := find("en", q); !slices.Equal(got, []string{"Trousers · Men"}) {
				t.Errorf("en %q found %q, want only Trousers · Men", q, got)
			}
		}
		men := find("en", "men")
		if len(men) == 0 {
			t.Fatal(`"men" found nothing`)
		}
		for _, n := range men {
			if strings.Contains(n, "Women") {
				t.Errorf(`"men" found %q`, n)
			}
		}
		if got := find("en", "women trousers"); !slices.Equal(got, []string{"Trousers · Women"}) {
			t.Errorf(`"women trousers" found %q`, got)
		}
		if got := find("en", "wom"); len(got) != 0 {
			t.Errorf(`"wom" found %q: a gender word matches whole`, got)
		}
		if got := find("en", ""); len(got) != len(ps) {
			t.Errorf("an empty query kept %d of %d products", len(got), len(ps))
		}
		if got := find("en", "trousers nothing-like-this"); len(got) != 0 {
			t.Errorf("a word that matches nothing still found %q", got)
		}
		// The words of the reader's language, with or without accents, and
		// the English ones.
		for _, c := range []struct{ lang, q, want string }{
			{"fr", "pantalons homme", "Pantalons · Homme"},
			{"fr", "homme pantalon", "Pantalons · Homme"},
			{"fr", "trousers homme", "Pantalons · Homme"},
			{"fr", "couvertures bebe", "Couvertures bébé · Bébé mixte"},
			{"ar", "بناطيل رياضيه رجال", "بناطيل رياضية · رجال"},
		} {
			if got := find(c.lang, c.q); !slices.Equal(got, []string{c.want}) {
				t.Errorf("%s %q found %q, want only %q", c.lang, c.q, got, c.want)
			}
		}
		if got := find("ar", "بناطيل رجال"); !slices.Equal(got, []string{"بناطيل رياضية · رجال", "بناطيل · رجال"}) {
			t.Errorf(`ar "بناطيل رجال" found %q, want the men's joggers and trousers`, got)
		}
		if got := find("fr", "femme"); slices.ContainsFunc(got, func(n string) bool { return strings.HasSuffix(n, "· Homme") }) {
			t.Errorf(`fr "femme" found a man's product: %q`, got)
		}
	})
}

// Fold drops case, accents and Arabic vowel marks, and unifies the Arabic
// letters written two ways.
func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Sèche-LINGE": "seche-linge",
		"Bébé":        "bebe",
		"أحذية":       "احذيه",
		"مُرطِّب":     "مرطب",
		"مستشفى":      "مستشفي",
	} {
		if got := catalog.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// The standard catalogue has French and Arabic names for every product,
// category, size range and unit, and every size written in words; a base's
// own product keeps the name that was typed.
func TestStandardNamesTranslated(t *testing.T) {
	sd, err := catalog.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range catalog.NameLanguages {
		check := func(kind, en, got string) {
			t.Helper()
			if got == en && strings.ContainsFunc(en, unicode.IsLower) && !sameEverywhere[en] {
				t.Errorf("%s: %s %q has no translation", lang, kind, en)
			}
		}
		for _, p := range sd.Products {
			check("product", p.Name, catalog.ProductName(lang, p.Name, true))
			check("category", p.Category, catalog.CategoryName(lang, p.Category))
		}
		for _, r := range sd.Ranges {
			check("size range", r.Name, catalog.RangeName(lang, r.Name))
			for _, s := range r.Sizes {
				check("size", s, catalog.SizeName(lang, s))
			}
		}
		for _, u := range sd.Units {
			check("unit", u.Name, catalog.UnitName(lang, u.Name))
		}
		if got := catalog.ProductName(lang, "Trousers", false); got != "Trousers" {
			t.Errorf("%s: a base's own product %q is shown as %q", lang, "Trousers", got)
		}
	}
	if got := catalog.ProductName("en", "Trousers", true); got != "Trousers" {
		t.Errorf("en: Trousers is shown as %q", got)
	}
	if got := catalog.ProductDisplayName("ar", "Trousers", "male", true); got != "بناطيل · رجال" {
		t.Errorf("ar: Trousers · Men is shown as %q", got)
	}
}

// Names that read the same in French (Abayas, Hijabs, Leggings, Shorts,
// Volume, gallon) and a bra size: checked by eye, not by the test.
var sameEverywhere = map[string]bool{"Abayas": true, "Hijabs": true, "Leggings": true, "Shorts": true, "Volume": true,
	"gallon (US)": true, "90b": true}

// A French or Arabic picker lists categories and products in that
// language's alphabetical order; English keeps the catalogue's.
func TestInReadingOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ps := seededProducts(t, d)
		if got := catalog.InReadingOrder("en", slices.Clone(ps)); !slices.EqualFunc(got, ps, func(a, b catalog.Product) bool { return a.ID == b.ID }) {
			t.Error("English changed the catalogue's order")
		}
		for _, c := range []struct{ lang, first, before, after string }{
			{"fr", "Abri", "Écharpes", "Gants"},
			{"ar", "أحذية", "أكياس نوم", "خيام"},
		} {
			got := catalog.InReadingOrder(c.lang, slices.Clone(ps))
			if len(got) != len(ps) {
				t.Fatalf("%s: %d products, want %d", c.lang, len(got), len(ps))
			}
			if cat := catalog.CategoryName(c.lang, got[0].CategoryName); cat != c.first {
				t.Errorf("%s: the first category is %q, want %q", c.lang, cat, c.first)
			}
			at := map[string]int{}
			for i, p := range got {
				if _, ok := at[catalog.ProductName(c.lang, p.Name, true)]; !ok {
					at[catalog.ProductName(c.lang, p.Name, true)] = i
				}
			}
			b, okb := at[c.before]
			a, oka := at[c.after]
			if !okb || !oka || b > a {
				t.Errorf("%s: %q at %d, %q at %d", c.lang, c.before, b, c.after, a)
			}
		}
	})
}
