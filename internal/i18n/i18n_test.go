package i18n_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"abri/internal/i18n"

	"golang.org/x/text/feature/plural"
)

// catalogue reads one language's locale files as written, refusing a key
// given twice in one file or in two (encoding/json would silently keep the
// last one).
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("locales", lang, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("%s: no locale files (%v)", lang, err)
	}
	m := map[string]string{}
	for _, p := range paths {
		readCatalogueFile(t, lang, p, m)
	}
	return m
}

func readCatalogueFile(t *testing.T, lang, path string, m map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object", path)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		k := tok.(string)
		var v string
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %s: %v", lang, k, err)
		}
		if _, dup := m[k]; dup {
			t.Errorf("%s: key %q appears twice (in %s or another file of %s)", lang, k, path, lang)
		}
		m[k] = v
	}
}

var suffixes = map[plural.Form]string{plural.Zero: "_zero", plural.One: "_one", plural.Two: "_two", plural.Few: "_few", plural.Many: "_many"}

// pluralVariant splits "stock.items_n_few" into its base key and its CLDR
// form when the catalogue has the base key; ok is false for any other key.
func pluralVariant(m map[string]string, k string) (base string, form plural.Form, ok bool) {
	for f, suf := range suffixes {
		if b, cut := strings.CutSuffix(k, suf); cut {
			if _, has := m[b]; has {
				return b, f, true
			}
		}
	}
	return "", 0, false
}

// formsUsed are the plural forms other than "other" that lang's rules give
// some count from 1 to 1000.
func formsUsed(lang string) map[plural.Form]bool {
	used := map[plural.Form]bool{}
	for n := int64(1); n <= 1000; n++ {
		if f := i18n.PluralForm(lang, n); f != plural.Other {
			used[f] = true
		}
	}
	return used
}

// Every key is in every language, except plural variants: those a language
// has are exactly the forms its grammar uses, for every key that has a
// variant anywhere (Arabic: one, two, few, many; English and French: one).
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	en := catalogue(t, "en")
	if len(en) == 0 {
		t.Fatal("empty English catalogue")
	}
	counted := map[string]bool{} // base keys with plural variants
	for _, lang := range i18n.Languages {
		m := catalogue(t, lang)
		for k := range m {
			if base, _, ok := pluralVariant(m, k); ok {
				counted[base] = true
			}
		}
	}
	for _, lang := range i18n.Languages {
		m, used := catalogue(t, lang), formsUsed(lang)
		for k := range m {
			if _, f, ok := pluralVariant(m, k); ok && !used[f] {
				t.Errorf("%s has %q, a plural form its rules never use", lang, k)
			}
		}
		for base := range counted {
			for f := range used {
				if _, ok := m[base+suffixes[f]]; !ok {
					t.Errorf("%s lacks plural form %v of %q", lang, f, base)
				}
			}
		}
	}
	for _, lang := range i18n.Languages {
		if lang == "en" {
			continue
		}
		other := catalogue(t, lang)
		var missing, extra []string
		for k := range en {
			if _, _, ok := pluralVariant(en, k); ok {
				continue
			}
			if _, ok := other[k]; !ok {
				missing = append(missing, k)
			}
		}
		for k := range other {
			if _, _, ok := pluralVariant(other, k); ok {
				continue
			}
			if _, ok := en[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		for _, k := range missing {
			t.Errorf("%s lacks %q", lang, k)
		}
		for _, k := range extra {
			t.Errorf("%s has %q, which English lacks", lang, k)
		}
		if got := len(i18n.Keys(lang)); got != len(other) {
			t.Errorf("%s: the package loaded %d keys, the file has %d", lang, got, len(other))
		}
	}
}

func TestNoTranslationIsEmpty(t *testing.T) {
	for _, lang := range i18n.Languages {
		for k, v := range catalogue(t, lang) {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// placeholders lists a string's printf verbs as "argument:verb", numbering
// the arguments as fmt does, so "%[2]s %[1]d" and "%d %s" reordered compare.
func placeholders(s string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		arg := next
		if m[1] != "" {
			fmt.Sscanf(m[1], "[%d]", &arg)
		}
		next = arg + 1
		out = append(out, fmt.Sprintf("%d:%s", arg, m[2]))
	}
	sort.Strings(out)
	return out
}

// TestPlaceholdersAgree checks that each translation takes the same
// arguments as the English, so no language shows %!s(MISSING) or drops a
// number.
func TestPlaceholdersAgree(t *testing.T) {
	en := catalogue(t, "en")
	for _, lang := range i18n.Languages {
		m := catalogue(t, lang)
		for k, v := range m {
			e, ok := en[k]
			if base, _, variant := pluralVariant(m, k); variant {
				// A variant takes the count or, like "صندوق واحد", says it
				// in words.
				if !strings.Contains(v, "%") {
					continue
				}
				e, ok = en[base], true
			}
			if !ok {
				continue
			}
			if got, want := strings.Join(placeholders(v), " "), strings.Join(placeholders(e), " "); got != want {
				t.Errorf("%s: %q takes [%s], English takes [%s]", lang, k, got, want)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	for header, want := range map[string]string{
		"":                                "en",
		"fr":                              "fr",
		"fr-FR,fr;q=0.9,en-US;q=0.8":      "fr",
		"de-DE, ar;q=0.5, fr;q=0.4":       "ar",
		"en;q=0, fr;q=0.1":                "fr",
		"de, ti, ps":                      "en",
		"AR-sy":                           "ar",
		"fr;q=bogus, ar;q=0.2":            "ar",
		strings.Repeat("xx, ", 50) + "fr": "en", // only the first twenty tags count
	} {
		if got := i18n.Match(header); got != want {
			t.Errorf("Match(%.40q) = %q, want %q", header, got, want)
		}
	}
}

func TestDirAndFallback(t *testing.T) {
	if i18n.Dir("ar") != "rtl" || i18n.Dir("fr") != "ltr" || i18n.Dir("en") != "ltr" {
		t.Error("wrong writing direction")
	}
	if got := i18n.T("fr", "no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key shows %q, want the key itself", got)
	}
	if got := i18n.T("xx", "error.not_found"); got != i18n.T("en", "error.not_found") {
		t.Errorf("an unknown language gives %q, want English", got)
	}
	for _, l := range i18n.Languages {
		if i18n.Names[l] == "" {
			t.Errorf("%s has no name", l)
		}
	}
}

// Counts take the CLDR plural form of their language: Arabic has a
// singular, a dual, a "few" form for 3 to 10, a "many" form for 11 to 99 and
// the plain form for 100; French takes the singular for 0 and 1.
func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		form plural.Form
		want string
	}{
		{"ar", 1, plural.One, "صندوق واحد"},
		{"ar", 2, plural.Two, "صندوقان"},
		{"ar", 3, plural.Few, "3 صناديق"},
		{"ar", 10, plural.Few, "10 صناديق"},
		{"ar", 11, plural.Many, "11 صندوقًا"},
		{"ar", 100, plural.Other, "100 صندوق"},
		{"ar", 103, plural.Few, "103 صناديق"},
		{"ar", 0, plural.Zero, "0 صندوق"},
		{"fr", 0, plural.One, "0 carton"},
		{"fr", 1, plural.One, "1 carton"},
		{"fr", 2, plural.Other, "2 cartons"},
		{"en", 0, plural.Other, "0 boxes"},
		{"en", 1, plural.One, "1 box"},
		{"en", 21, plural.Other, "21 boxes"},
	} {
		if got := i18n.PluralForm(tc.lang, tc.n); got != tc.form {
			t.Errorf("PluralForm(%s, %d) = %v, want %v", tc.lang, tc.n, got, tc.form)
		}
		if got := i18n.Plural(tc.lang, "stock.boxes_n", tc.n); got != tc.want {
			t.Errorf("Plural(%s, stock.boxes_n, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	seen := map[string]int64{}
	for _, n := range []int64{1, 2, 3, 11, 100} {
		s := i18n.Plural("ar", "stock.items_n", n)
		if m, dup := seen[s]; dup {
			t.Errorf("Arabic %d and %d items read the same: %q", m, n, s)
		}
		seen[s] = n
	}
}
