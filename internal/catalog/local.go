package catalog

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// The standard catalogue's names in French and Arabic (seed/names.csv,
// abri's own translations of the ASSORT names). They name only what the
// standard catalogue holds: its products, categories, size ranges, sizes and
// units. A base's own products keep the name that was typed, in whatever
// language it was typed.

// Kinds of name in names.csv.
const (
	nameProduct  = "product"
	nameCategory = "category"
	nameRange    = "range"
	nameSize     = "size"
	nameUnit     = "unit"
)

// NameLanguages are the languages names.csv translates the English names into.
var NameLanguages = []string{"fr", "ar"}

// Translation is one row of names.csv: an English name of the standard
// catalogue and its names in NameLanguages.
type Translation struct {
	Line  int
	Kind  string // product, category, range, size or unit
	En    string
	Names map[string]string // language → name
}

// ParseNames reads names.csv. Every row has a known kind and a name in each
// of NameLanguages; an English name appears once per kind.
func ParseNames(r io.Reader) ([]Translation, error) {
	const file = "names.csv"
	header := append([]string{"kind", "en"}, NameLanguages...)
	seen := map[[2]string]bool{}
	var ts []Translation
	err := csvFile(file, r, header, func(line int, rec []string) error {
		t := Translation{Line: line, Kind: rec[0], En: rec[1], Names: map[string]string{}}
		switch t.Kind {
		case nameProduct, nameCategory, nameRange, nameSize, nameUnit:
		default:
			return fmt.Errorf("kind %q is not product, category, range, size or unit", t.Kind)
		}
		if err := seedText("en", t.En); err != nil {
			return err
		}
		if seen[[2]string{t.Kind, t.En}] {
			return fmt.Errorf("%s %q is translated twice", t.Kind, t.En)
		}
		seen[[2]string{t.Kind, t.En}] = true
		for i, lang := range NameLanguages {
			if err := seedText(lang, rec[2+i]); err != nil {
				return err
			}
			t.Names[lang] = rec[2+i]
		}
		ts = append(ts, t)
		return nil
	})
	return ts, err
}

// checkNames refuses a translation of something the seed does not hold, so
// that a renamed product cannot leave a translation behind unnoticed.
func checkNames(sd SeedData) error {
	known := map[[2]string]bool{}
	add := func(kind, en string) { known[[2]string{kind, en}] = true }
	for _, p := range sd.Products {
		add(nameProduct, p.Name)
		add(nameCategory, p.Category)
	}
	for _, r := range sd.Ranges {
		add(nameRange, r.Name)
		for _, s := range r.Sizes {
			add(nameSize, s)
		}
	}
	for _, u := range sd.Units {
		add(nameUnit, u.Name)
	}
	for _, t := range sd.Names {
		if !known[[2]string{t.Kind, t.En}] {
			return fmt.Errorf("catalogue seed: names.csv line %d: %s %q is not in the standard catalogue", t.Line, t.Kind, t.En)
		}
	}
	return nil
}

// localNames maps language → kind and English name → name, from the seed.
var localNames = sync.OnceValue(func() map[string]map[[2]string]string {
	m := map[string]map[[2]string]string{}
	b, err := seedFS.ReadFile("seed/names.csv")
	if err != nil {
		return m
	}
	ts, err := ParseNames(bytes.NewReader(b))
	if err != nil {
		return m // LoadSeed reports it; names stay in English meanwhile
	}
	for _, t := range ts {
		for lang, n := range t.Names {
			if m[lang] == nil {
				m[lang] = map[[2]string]string{}
			}
			m[lang][[2]string{t.Kind, t.En}] = n
		}
	}
	return m
})

func localName(lang, kind, en string) string {
	if n, ok := localNames()[lang][[2]string{kind, en}]; ok {
		return n
	}
	return en
}

// ProductName is a product's name in lang: a standard product's translation,
// or a base's own product's name as it was typed.
func ProductName(lang, name string, standard bool) string {
	if !standard {
		return name
	}
	return localName(lang, nameProduct, name)
}

// CategoryName is a category's name in lang (categories are all standard).
func CategoryName(lang, name string) string { return localName(lang, nameCategory, name) }

// RangeName is a size range's name in lang.
func RangeName(lang, name string) string { return localName(lang, nameRange, name) }

// SizeName is how a size is shown in lang; a box stores the size as the
// seed names it ("Mixed"), and forms send that.
func SizeName(lang, label string) string { return localName(lang, nameSize, label) }

// UnitName is a unit's name in lang ("kilogramme"); its symbol stays as is.
func UnitName(lang, name string) string { return localName(lang, nameUnit, name) }

// InReadingOrder is ps by category and then name as a reader of lang sees
// them (SortForReader), so that a French or Arabic product picker is in
// alphabetical order too. The slice is sorted in place and returned.
func InReadingOrder(lang string, ps []Product) []Product {
	return SortForReader(lang, ps, func(p Product) (int64, string, string) {
		return p.ID, CategoryName(lang, p.CategoryName), ProductDisplayName(lang, p.Name, p.Gender, p.Standard())
	})
}

// SortForReader sorts xs stably by category and then product name, collated
// in lang, as of gives them for each x (with the product's id, so that each
// product's keys are made once). English keeps the order xs came in, the
// catalogue's own, which the standard catalogue's English names give.
func SortForReader[T any](lang string, xs []T, of func(T) (productID int64, category, product string)) []T {
	if lang == "en" {
		return xs
	}
	col := collate.New(language.Make(lang))
	type keyed struct{ cat, name []byte }
	var buf collate.Buffer
	keys := map[int64]keyed{}
	key := func(x T) keyed {
		id, cat, name := of(x)
		k, ok := keys[id]
		if !ok {
			k = keyed{bytes.Clone(col.KeyFromString(&buf, cat)), bytes.Clone(col.KeyFromString(&buf, name))}
			buf.Reset()
			keys[id] = k
		}
		return k
	}
	slices.SortStableFunc(xs, func(a, b T) int {
		ka, kb := key(a), key(b)
		if c := bytes.Compare(ka.cat, kb.cat); c != 0 {
			return c
		}
		return bytes.Compare(ka.name, kb.name)
	})
	return xs
}
