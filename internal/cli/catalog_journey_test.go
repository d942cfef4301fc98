package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"abri/internal/browsertest"
)

// TestJourneyProductNames is the product picker and the catalogue's names
// as a warehouse volunteer meets them on a phone: "trousers men" finds
// "Trousers · Men" and "men" finds no women's product; then, in Arabic, the
// sorting screen's picker and the stock overview name the standard products
// in Arabic, and typing Arabic words finds them.
func TestJourneyProductNames(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	wh := users["warehouse"]
	ctx := browsertest.New(t, 2*time.Minute)

	shot := func(name string) { browsertest.Screenshot(t, ctx, "catalog-"+name) }
	// stop ends the journey at a step that failed, with a screenshot.
	stop := func(name string, err error) {
		t.Helper()
		if err != nil {
			shot("failed-" + name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stop(name, chromedp.Do(ctx, steps...))
	}
	eval := func(name, js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		stop(name, err)
		return s
	}
	// options are the product picker's choices of row 0, as shown.
	options := func() []string {
		t.Helper()
		s := eval("options", `Array.from(document.querySelectorAll("#r0-product option")).filter(o => o.value).map(o => o.textContent.trim()).join("\n")`)
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
	filter := func(q string) []string {
		t.Helper()
		eval("clear the filter", `(() => { const f = document.getElementById("r0-filter"); f.value = ""; f.dispatchEvent(new Event("input")); return ""; })()`)
		step("filter "+q, chromedp.SendKeys(chromedp.CSS(`#r0-filter`), q))
		return options()
	}

	step("open", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)))
	step("sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), wh[0]),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), wh[1]+"\n"))
	step("signed in", chromedp.WaitVisible(chromedp.CSS(`nav`)))
	step("sorting", chromedp.Navigate(base+"/stock/sort"), chromedp.WaitVisible(chromedp.CSS(`#r0-filter`)))

	if got := filter("trousers men"); len(got) != 1 || got[0] != "Trousers · Men" {
		t.Errorf(`"trousers men" left %q, want only Trousers · Men`, got)
	}
	if got := filter("men trousers"); len(got) != 1 || got[0] != "Trousers · Men" {
		t.Errorf(`"men trousers" left %q, want only Trousers · Men`, got)
	}
	shot("filter-en")
	men := filter("men")
	if len(men) == 0 {
		t.Error(`"men" left nothing`)
	}
	for _, o := range men {
		if strings.Contains(o, "Women") {
			t.Errorf(`"men" left %q`, o)
		}
	}

	// In Arabic: the standard products are named in Arabic, and found by
	// Arabic words.
	step("arabic", chromedp.Navigate(base+"/lang?l=ar&next=/stock/sort"), chromedp.WaitVisible(chromedp.CSS(`#r0-filter`)))
	if dir := eval("dir", `document.documentElement.dir`); dir != "rtl" {
		t.Fatalf("the page is not right to left after choosing Arabic: %q", dir)
	}
	if all := strings.Join(options(), "\n"); !strings.Contains(all, "أكياس نوم") || strings.Contains(all, "Sleeping Bags") {
		t.Errorf("the Arabic picker does not name the sleeping bags in Arabic: %q", all[:min(len(all), 300)])
	}
	if got := filter("بناطيل رجال"); len(got) == 0 || !contains(got, "بناطيل · رجال") {
		t.Errorf(`"بناطيل رجال" left %q, want the men's trousers`, got)
	}
	if got := filter("trousers men"); len(got) != 1 || got[0] != "بناطيل · رجال" {
		t.Errorf(`"trousers men" in Arabic left %q, want only بناطيل · رجال`, got)
	}
	shot("filter-ar")
	step("overview", chromedp.Navigate(base+"/stock"), chromedp.WaitVisible(chromedp.CSS(`.tree`)))
	if got := eval("overview", `document.querySelector(".tree").textContent`); !strings.Contains(got, "أكياس نوم") || !strings.Contains(got, "مأوى") {
		t.Errorf("the Arabic stock overview does not name the sleeping bags and their category in Arabic: %q", got[:min(len(got), 400)])
	}
	// …in Arabic alphabetical order (أحذية, shoes, first), not in the order
	// of the English names (Bottoms first).
	if first := eval("first category", `document.querySelector(".tree details.cat .name").textContent.trim()`); first != "أحذية" {
		t.Errorf("the Arabic overview begins with %q, want أحذية", first)
	}
	shot("stock-ar")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
