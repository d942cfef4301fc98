// Package i18n is abri's translation catalogue: every string a person reads
// is a key looked up here. English, French and Arabic are complete (a test
// checks every key in every language); Arabic is written right to left.
package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"abri/internal/apperr"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Each language is a folder of JSON files, one per capability (core.json,
// distribution.json, …), merged at start; a key in two files of one language
// is an error, so two capabilities never silently overwrite each other.
//
//go:embed locales
var files embed.FS

// Default is the language used when nothing else is known.
const Default = "en"

// Languages are the complete catalogues, in the order a menu shows them.
var Languages = []string{"en", "fr", "ar"}

// PublicLanguages are the languages of the pages for the people served (the
// public schedule and its poster): the complete catalogues and four more,
// Pashto, Dari, Tigrinya and Kurdish (Sorani), whose folders hold only those
// pages' keys (schedule.json). A key they lack falls back to English, as
// any missing key does; a test checks that they have every key of the
// public pages. Which of them a native speaker has reviewed is recorded in
// locales/reviews.json (see Review).
var PublicLanguages = []string{"en", "fr", "ar", "ps", "prs", "ti", "ckb"}

// Names are each language's name in itself.
var Names = map[string]string{"en": "English", "fr": "Français", "ar": "العربية",
	"ps": "پښتو", "prs": "دری", "ti": "ትግርኛ", "ckb": "کوردی (سۆرانی)"}

var catalogues = map[string]map[string]string{}

func init() {
	for _, l := range PublicLanguages {
		m, err := load(l)
		if err != nil {
			panic(err)
		}
		catalogues[l] = m
	}
}

// load merges the files of one language's folder.
func load(lang string) (map[string]string, error) {
	entries, err := fs.ReadDir(files, "locales/"+lang)
	if err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", lang, err)
	}
	all := map[string]string{}
	from := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := files.ReadFile("locales/" + lang + "/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("i18n: %s/%s: %w", lang, e.Name(), err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s/%s: %w", lang, e.Name(), err)
		}
		for k, v := range m {
			if f, dup := from[k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q in both %s and %s", lang, k, f, e.Name())
			}
			all[k], from[k] = v, e.Name()
		}
	}
	return all, nil
}

// Keys lists the keys of one language's catalogue.
func Keys(lang string) []string {
	var ks []string
	for k := range catalogues[lang] {
		ks = append(ks, k)
	}
	return ks
}

// Has tells whether a key exists in the English catalogue.
func Has(key string) bool { _, ok := catalogues[Default][key]; return ok }

// T translates a key into lang, filling %-verbs from args. A key missing in
// lang falls back to English; a key missing everywhere shows itself, so it
// is seen and fixed rather than hidden.
func T(lang, key string, args ...any) string {
	s, ok := catalogues[lang][key]
	if !ok {
		if s, ok = catalogues[Default][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, localized(lang, args)...)
	}
	return s
}

// A Localizer is an argument that says itself in a language (a rule of the
// free shop naming a product): T asks it for lang's words.
type Localizer interface{ Localize(lang string) string }

func localized(lang string, args []any) []any {
	if !slices.ContainsFunc(args, func(a any) bool { _, ok := a.(Localizer); return ok }) {
		return args
	}
	out := slices.Clone(args)
	for i, a := range out {
		if l, ok := a.(Localizer); ok {
			out[i] = l.Localize(lang)
		}
	}
	return out
}

// Dir is the writing direction of a language: "rtl" or "ltr". Arabic,
// Pashto, Dari and Kurdish (Sorani) are written in Arabic script.
func Dir(lang string) string {
	switch lang {
	case "ar", "ps", "prs", "ckb":
		return "rtl"
	}
	return "ltr"
}

// Tag is the BCP 47 tag of an abri language code, for lang attributes:
// Dari is known to browsers, screen readers and fonts as Persian of
// Afghanistan (fa-AF) more often than by its own code.
func Tag(lang string) string {
	if lang == "prs" {
		return "fa-AF"
	}
	return lang
}

// Supported tells whether lang is a complete catalogue, one a person may
// choose for the whole interface.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// SupportedPublic tells whether lang is one of the public pages' languages.
func SupportedPublic(lang string) bool { _, ok := catalogues[lang]; return ok }

// MatchPublic picks the best of the public pages' languages from an
// Accept-Language header, as Match does for the complete ones; fa-AF and
// fa are taken for Dari, ku for Kurdish (Sorani).
func MatchPublic(acceptLanguage string) string { return match(acceptLanguage, SupportedPublic) }

// aliases are the language subtags taken for one of abri's codes.
var aliases = map[string]string{"fa": "prs", "ku": "ckb"}

func match(acceptLanguage string, supported func(string) bool) string {
	best, bestQ := Default, -1.0
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i > 20 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if a, ok := aliases[base]; ok {
			base = a
		}
		if supported(base) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}

// Match picks the best supported language from an Accept-Language header,
// honouring q-values; it returns Default when none fits.
func Match(acceptLanguage string) string { return match(acceptLanguage, Supported) }

// Message renders an application error in lang: its own message, followed by
// that of any application error it wraps (e.g. "Box 3: The size is not one of
// the product's sizes.").
func Message(lang string, e *apperr.Error) string {
	s := T(lang, e.Key, e.Args...)
	var inner *apperr.Error
	if e.Err != nil && errors.As(e.Err, &inner) && inner != e {
		s += " " + Message(lang, inner)
	}
	return s
}

// pluralSuffix names the CLDR plural forms a key may have a variant for:
// "stock.items_n" is the "other" form, "stock.items_n_one" the "one" form, and
// so on. Arabic uses all six (0, 1, 2, 3–10, 11–99, 100…), French two (0 and
// 1 are "one"), English two.
var pluralSuffix = map[plural.Form]string{
	plural.Zero: "_zero", plural.One: "_one", plural.Two: "_two", plural.Few: "_few", plural.Many: "_many",
}

var tags = map[string]language.Tag{}

func init() {
	for _, l := range Languages {
		tags[l] = language.MustParse(l)
	}
}

// PluralForm is the CLDR cardinal plural form a whole number takes in lang.
func PluralForm(lang string, n int64) plural.Form {
	if n < 0 {
		n = -n
	}
	t, ok := tags[lang]
	if !ok {
		t = tags[Default]
	}
	// Operands: i (the integer digits), then no visible fraction digits.
	return plural.Cardinal.MatchPlural(t, int(n%10_000_000), 0, 0, 0, 0)
}

// Plural translates a key holding a count, with the form lang's grammar
// takes for n (CLDR plural rules: Arabic "صندوقان" for 2, "3 صناديق",
// "11 صندوقًا", "100 صندوق"). A form the catalogue lacks falls back to the
// key itself (the "other" form). A variant may leave out the number
// ("صندوق واحد"): then n is not printed.
func Plural(lang, key string, n int64) string {
	if suf, ok := pluralSuffix[PluralForm(lang, n)]; ok {
		if _, ok := catalogues[lang][key+suf]; ok {
			key += suf
		}
	}
	s := T(lang, key)
	if !strings.Contains(s, "%") {
		return s
	}
	return fmt.Sprintf(s, n)
}

// Review is what is recorded of a public language's translation in
// locales/reviews.json: Status is "source" (English), "unrecorded",
// "draft" (machine-made or written by someone who is not a native speaker,
// awaiting review) or "reviewed", with By and Date for a review.
type Review struct {
	Status string `json:"status"`
	By     string `json:"by,omitempty"`
	Date   string `json:"date,omitempty"`
}

var reviews = func() map[string]Review {
	b, err := files.ReadFile("locales/reviews.json")
	if err != nil {
		panic(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		panic(fmt.Errorf("i18n: reviews.json: %w", err))
	}
	m := map[string]Review{}
	for l, v := range raw {
		if strings.HasPrefix(l, "_") {
			continue
		}
		var r Review
		if err := json.Unmarshal(v, &r); err != nil {
			panic(fmt.Errorf("i18n: reviews.json: %s: %w", l, err))
		}
		m[l] = r
	}
	return m
}()

// ReviewOf tells what is recorded of lang's translation review.
func ReviewOf(lang string) Review { return reviews[lang] }

// Draft tells whether lang's translation awaits a native speaker's review;
// the public pages say so in that language.
func Draft(lang string) bool { return reviews[lang].Status == "draft" }
