package distribution_test

import (
	"os"
	"regexp"
	"testing"

	"abri/internal/distribution"
	"abri/internal/i18n"
	"abri/internal/needs"
)

// Every kind, state, variant and message these packages can show has a
// translation in every language; the message keys are read from the
// sources, so a new one cannot be forgotten.
func TestTranslations(t *testing.T) {
	var keys []string
	add := func(prefix string, list []string) {
		for _, s := range list {
			keys = append(keys, prefix+s)
		}
	}
	add("distribution.kind.", distribution.Kinds)
	add("distribution.state.", distribution.States)
	add("distribution.error.state_", distribution.States)
	add("distribution.meal.", distribution.MealVariants)
	add("distribution.loss.", distribution.LossReasons)
	add("distribution.age.", distribution.AgeBands)
	add("distribution.gender.", distribution.Genders)
	add("needs.source.", needs.Sources)
	add("needs.state.", needs.States)
	re := regexp.MustCompile(`"((?:distribution|needs)\.error\.[a-z_]*[a-z])"`)
	for _, f := range []string{"distribution.go", "round.go", "pack.go", "tally.go", "summary.go", "commands.go", "../api/distribution.go", "../needs/needs.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			keys = append(keys, string(m[1]))
		}
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
