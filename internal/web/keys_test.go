package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"abri/internal/access"
	"abri/internal/i18n"
)

// TestTemplateKeysExist checks that every key the screens use is in the
// English catalogue (the i18n tests check that French and Arabic have the same
// keys): `t "key"` in templates, and every "web.…" literal in the Go code.
func TestTemplateKeysExist(t *testing.T) {
	tKey := regexp.MustCompile(`\btn? "([^"]+)"`)
	goKey := regexp.MustCompile(`"(web\.[a-z0-9_]+(?:\.[a-z0-9_]+)+)"`)
	used := map[string][]string{}

	templates, err := filepath.Glob("templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob("templates/pages/*.html")
	templates = append(templates, pages...)
	if len(pages) == 0 {
		t.Fatal("no page templates found")
	}
	for _, f := range templates {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = append(used[m[1]], f)
		}
	}
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = append(used[m[1]], f)
		}
	}
	for _, r := range access.Roles {
		used["web.role."+string(r)] = append(used["web.role."+string(r)], "access.Roles")
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys; is the scan broken?", len(used))
	}
	var missing []string
	for k, where := range used {
		if !i18n.Has(k) {
			missing = append(missing, k+" (used in "+strings.Join(where, ", ")+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("missing from the English catalogue: %s", m)
	}
}
