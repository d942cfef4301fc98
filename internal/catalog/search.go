package catalog

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"abri/internal/i18n"
)

// Product search, as a volunteer types into a product picker: "trousers men"
// finds "Trousers · Men". Each word typed must match the product on its own,
// in any order: the start of a word of its name, category or size range (in
// the reader's language or as the seed names it), or a whole word of its
// gender, so that "men" does not find "Women". Case, accents and Arabic
// vowel marks do not count.
//
// A product's search key holds both sets of words in a form that makes the
// match two substring tests (see MatchKey); the sorting screen's script
// filters its picker with the same keys and the same two tests, so the
// screen, the API and this package find the same products.

// Fold makes "Sèche-linge" match "seche": it lowers case, drops accents and
// Arabic vowel marks, and writes ى as ي and ة as ه.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ى':
			r = 'ي'
		case 'ة':
			r = 'ه'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// SearchWords splits folded text into words: runs of letters and digits.
func SearchWords(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// SearchKey is what a product is found by in lang: " w1 w2 … |g1|g2|…|",
// the words that match by their start, then the gender's words that match
// whole.
func SearchKey(lang string, p Product) string {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(texts ...string) {
		for _, t := range texts {
			for _, w := range SearchWords(t) {
				if !seen[w] {
					seen[w] = true
					b.WriteString(" " + w)
				}
			}
		}
	}
	add(ProductName(lang, p.Name, p.Standard()), p.Name, CategoryName(lang, p.CategoryName), p.CategoryName,
		RangeName(lang, p.SizeRangeName), p.SizeRangeName)
	b.WriteString(" |")
	if p.Gender != "" {
		seen = map[string]bool{}
		for _, l := range []string{lang, "en"} {
			for _, w := range SearchWords(i18n.T(l, GenderKey(p.Gender))) {
				if !seen[w] {
					seen[w] = true
					b.WriteString(w + "|")
				}
			}
		}
	}
	return b.String()
}

// MatchKey tells whether every word (from SearchWords) matches the key:
// starts one of its words, or is one of its gender's words.
func MatchKey(key string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(key, " "+w) && !strings.Contains(key, "|"+w+"|") {
			return false
		}
	}
	return true
}

// SearchProducts keeps, in their order, the products query finds in lang;
// an empty query keeps them all.
func SearchProducts(lang, query string, ps []Product) []Product {
	words := SearchWords(query)
	if len(words) == 0 {
		return ps
	}
	var out []Product
	for _, p := range ps {
		if MatchKey(SearchKey(lang, p), words) {
			out = append(out, p)
		}
	}
	return out
}
