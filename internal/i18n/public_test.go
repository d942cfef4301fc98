package i18n_test

import (
	"path/filepath"
	"sort"
	"testing"

	"abri/internal/i18n"
)

// The public pages' languages: each has exactly the keys of the English
// schedule_public.json (nothing missing, nothing extra), none empty, with
// the same placeholders; the four languages beyond the complete ones hold
// nothing else; and each has its review status recorded.
func TestPublicLanguages(t *testing.T) {
	en := map[string]string{}
	readCatalogueFile(t, "en", filepath.Join("locales", "en", "schedule_public.json"), en)
	if len(en) < 20 {
		t.Fatalf("English schedule_public.json has %d keys", len(en))
	}
	for _, lang := range i18n.PublicLanguages {
		m := map[string]string{}
		readCatalogueFile(t, lang, filepath.Join("locales", lang, "schedule_public.json"), m)
		var missing, extra []string
		for k := range en {
			if v, ok := m[k]; !ok || v == "" {
				missing = append(missing, k)
			}
		}
		for k, v := range m {
			e, ok := en[k]
			if !ok {
				extra = append(extra, k)
				continue
			}
			if got, want := placeholders(v), placeholders(e); len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
				t.Errorf("%s: %q takes %v, English takes %v", lang, k, got, want)
			}
		}
		sort.Strings(missing)
		for _, k := range missing {
			t.Errorf("%s lacks %q", lang, k)
		}
		for _, k := range extra {
			t.Errorf("%s has %q, which English lacks", lang, k)
		}
		if !i18n.SupportedPublic(lang) {
			t.Errorf("%s is not loaded", lang)
		}
		if i18n.Names[lang] == "" {
			t.Errorf("%s has no name", lang)
		}
		if st := i18n.ReviewOf(lang).Status; st == "" {
			t.Errorf("%s: no review status in locales/reviews.json", lang)
		}
		if i18n.Supported(lang) {
			continue
		}
		files, _ := filepath.Glob(filepath.Join("locales", lang, "*.json"))
		if len(files) != 1 {
			t.Errorf("%s holds %v; only the public pages are translated into it", lang, files)
		}
	}
	for lang, want := range map[string]string{"ps": "rtl", "prs": "rtl", "ckb": "rtl", "ar": "rtl", "ti": "ltr", "fr": "ltr"} {
		if got := i18n.Dir(lang); got != want {
			t.Errorf("Dir(%s) = %s, want %s", lang, got, want)
		}
	}
	for _, l := range []string{"ps", "prs", "ti", "ckb"} {
		if i18n.Supported(l) {
			t.Errorf("%s may be chosen for the whole interface, which it does not translate", l)
		}
		if !i18n.Draft(l) {
			t.Errorf("%s is recorded as reviewed: say by whom and when, and drop it from this check", l)
		}
	}
	// A key only the complete catalogues have falls back to English.
	if got := i18n.T("ti", "web.signout"); got != i18n.T("en", "web.signout") {
		t.Errorf("a key Tigrinya lacks gives %q, want the English", got)
	}
	for header, want := range map[string]string{
		"ti":                 "ti",
		"fa-AF, en;q=0.5":    "prs",
		"ku, ar;q=0.9":       "ckb",
		"ps;q=0.8, fr;q=0.9": "fr",
		"de":                 "en",
		"ckb-IQ,ar;q=0.8":    "ckb",
		"prs, en;q=0.1":      "prs",
	} {
		if got := i18n.MatchPublic(header); got != want {
			t.Errorf("MatchPublic(%q) = %q, want %q", header, got, want)
		}
	}
	if got := i18n.Match("ti, ps"); got != "en" {
		t.Errorf("Match(ti, ps) = %q: the interface has no Tigrinya or Pashto", got)
	}
	if i18n.Tag("prs") != "fa-AF" || i18n.Tag("ckb") != "ckb" {
		t.Error("wrong BCP 47 tags")
	}
}
