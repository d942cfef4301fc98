package catalog_test

import (
	"testing"

	"abri/internal/catalog"
	"abri/internal/i18n"
)

// Every gender, measure and message this package can show has a translation
// in every language.
func TestTranslations(t *testing.T) {
	var keys []string
	for _, g := range catalog.Genders {
		keys = append(keys, catalog.GenderKey(g))
	}
	for _, m := range catalog.Measures {
		keys = append(keys, "catalog.measure."+m)
	}
	for _, e := range []string{"name_required", "name_long", "name_invalid", "gender_unknown", "category_unknown",
		"size_range_unknown", "product_taken"} {
		keys = append(keys, "catalog.error."+e)
	}
	for _, lang := range i18n.Languages {
		have := map[string]bool{}
		for _, k := range i18n.Keys(lang) {
			have[k] = true
		}
		for _, k := range keys {
			if !have[k] {
				t.Errorf("%s: missing %s", lang, k)
			}
		}
	}
}
