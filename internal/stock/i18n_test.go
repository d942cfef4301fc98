package stock_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"abri/internal/i18n"
	"abri/internal/stock"
)

// Every message, state and donation source the warehouse can show has a
// translation in every language. The message keys are read from the
// package's source, so a new one cannot be forgotten.
func TestTranslations(t *testing.T) {
	keys := map[string]bool{}
	for _, s := range stock.States {
		keys["stock.state."+string(s)] = true
	}
	for _, s := range stock.Sources {
		keys["stock.source."+s] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"(stock\.[a-z_]+\.[a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, lang := range i18n.Languages {
		have := map[string]bool{}
		for _, k := range i18n.Keys(lang) {
			have[k] = true
		}
		for k := range keys {
			if !have[k] {
				t.Errorf("%s: missing %s", lang, k)
			}
		}
	}
}
