package place_test

import (
	"testing"

	"abri/internal/i18n"
	"abri/internal/place"
)

// Every kind, state and message this package can show has a translation in
// every language.
func TestTranslations(t *testing.T) {
	keys := []string{place.SiteNoteHintKey}
	for _, k := range place.SiteKinds {
		keys = append(keys, "place.site.kind."+k)
	}
	for _, k := range place.LocationKinds {
		keys = append(keys, "place.location.kind."+k)
	}
	for _, s := range place.LocationStates {
		keys = append(keys, "place.location.state."+s)
	}
	for _, e := range []string{"name_required", "name_long", "name_invalid", "note_long", "note_invalid", "site_kind_unknown",
		"location_kind_unknown", "location_state_unknown", "position_invalid", "site_taken", "location_taken"} {
		keys = append(keys, "place.error."+e)
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
