package export_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"abri/internal/export"
	"abri/internal/stock"
)

// A box list in French or Arabic names the standard catalogue's products,
// categories and sizes in that language; a base's own product keeps the
// name that was typed.
func TestBoxesInTheReadersLanguage(t *testing.T) {
	boxes := []stock.Box{
		{Code: "AAAA", ProductName: "Trousers", Standard: true, CategoryName: "Bottoms", Gender: "male", Size: "Mixed", State: stock.State("in_stock")},
		{Code: "BBBB", ProductName: "Soupe du jour", CategoryName: "Food & Kitchen", State: stock.State("in_stock")},
	}
	src := func(fn func(stock.Box) error) error {
		for _, b := range boxes {
			if err := fn(b); err != nil {
				return err
			}
		}
		return nil
	}
	for lang, want := range map[string][]string{
		"en": {"Trousers", "Bottoms", "Mixed", "Soupe du jour", "Food & Kitchen"},
		"fr": {"Pantalons", "Vêtements du bas", "Mélangé", "Soupe du jour", "Alimentation et cuisine"},
		"ar": {"بناطيل", "ملابس سفلية", "مختلط", "Soupe du jour", "طعام ومطبخ"},
	} {
		var buf bytes.Buffer
		if err := export.Boxes(&buf, export.CSV, lang, time.UTC, src); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: the box list lacks %q:\n%s", lang, w, buf.String())
			}
		}
	}
}
