package i18n_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"abri/internal/i18n"
)

// catalogue reads one locale file as written, refusing a key given twice
// (encoding/json would silently keep the last one).
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("locales/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object", lang)
	}
	m := map[string]string{}
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
			t.Errorf("%s: key %q appears twice", lang, k)
		}
		m[k] = v
	}
	return m
}

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	en := catalogue(t, "en")
	if len(en) == 0 {
		t.Fatal("empty English catalogue")
	}
	for _, lang := range i18n.Languages {
		if lang == "en" {
			continue
		}
		other := catalogue(t, lang)
		var missing, extra []string
		for k := range en {
			if _, ok := other[k]; !ok {
				missing = append(missing, k)
			}
		}
		for k := range other {
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
		for k, v := range catalogue(t, lang) {
			e, ok := en[k]
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
