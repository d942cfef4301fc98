package cli_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestJourneyIncident: an observer on a 390 × 844 phone, in English and
// then in Arabic, logs an eviction with "4 tents, 2 sleeping bags seized"
// through the incident form (which goes through the phone's offline queue);
// once the queue has sent it, a coordinator finds the incident and 4 + 2 new
// replacement needs at the site on the needs board.
func TestJourneyIncident(t *testing.T) {
	base, users := startDemo(t, "--data", seededData(t))
	token := users["coordinator"][2]
	var sites struct {
		Sites []struct {
			ID   int64
			Name string
			Kind string
		}
	}
	apiGet(t, base, token, "/api/v1/sites", &sites)
	var products struct {
		Products []struct {
			ID   int64
			Name string
		}
	}
	apiGet(t, base, token, "/api/v1/products", &products)
	var tents, bags int64
	for _, p := range products.Products {
		switch p.Name {
		case "Tents":
			tents = p.ID
		case "Sleeping Bags":
			bags = p.ID
		}
	}
	var living []int64
	for _, s := range sites.Sites {
		if s.Kind == "living" {
			living = append(living, s.ID)
		}
	}
	if tents == 0 || bags == 0 || len(living) < 2 {
		t.Fatalf("demo: tents %d, sleeping bags %d, living sites %v", tents, bags, living)
	}
	type need struct {
		ID       int64
		Product  *struct{ ID int64 }
		Quantity int64
		Source   string
	}
	needsAt := func(site int64) map[int64]need {
		var ns struct{ Needs []need }
		apiGet(t, base, token, fmt.Sprintf("/api/v1/needs?site_id=%d", site), &ns)
		m := map[int64]need{}
		for _, n := range ns.Needs {
			m[n.ID] = n
		}
		return m
	}
	for i, lang := range []string{"en", "ar"} {
		site := living[i]
		before := needsAt(site)
		b := newBrowser(t, base, "incident-"+lang)
		b.signIn(users["observer"])
		if lang != "en" {
			b.language(lang)
		}
		b.open("/incidents/new", "#incident-form")
		b.step("fill the incident",
			chromedp.SetValue(chromedp.CSS(`#incident-site`), strconv.FormatInt(site, 10)),
			chromedp.SetValue(chromedp.CSS(`#incident-kind`), "eviction"),
			chromedp.SetValue(chromedp.CSS(`#incident-product_0`), strconv.FormatInt(tents, 10)),
			chromedp.SetValue(chromedp.CSS(`#incident-seized_0`), "4"),
			chromedp.SetValue(chromedp.CSS(`#incident-product_1`), strconv.FormatInt(bags, 10)),
			chromedp.SetValue(chromedp.CSS(`#incident-seized_1`), "2"),
			chromedp.SetValue(chromedp.CSS(`#incident-legal_basis`), "none_given"),
			chromedp.SetValue(chromedp.CSS(`#incident-people_present`), "60"))
		b.view("form-" + lang)
		small := b.eval("targets", `(() => Array.from(document.querySelectorAll('#incident-form input, #incident-form select, #incident-form textarea, #incident-form button')).filter(e => {
			const r = (e.type === 'checkbox' ? e.closest('label') : e).getBoundingClientRect();
			return r.height < 44 || r.width < 44 || r.right > 390.5 || r.left < -0.5;
		}).map(e => e.name + ' ' + Math.round(e.getBoundingClientRect().height)).join(', '))()`)
		if small != "" {
			t.Errorf("%s: controls of the incident form smaller than 44 × 44 px or off the screen: %s", lang, small)
		}
		b.step("save", chromedp.Click(chromedp.CSS(`#incident-form button[type="submit"]`)))
		// The queue sends the command; wait for the needs it opens.
		var added []need
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			added = added[:0]
			for id, n := range needsAt(site) {
				if _, ok := before[id]; !ok {
					added = append(added, n)
				}
			}
			if len(added) >= 2 {
				break
			}
		}
		got := map[int64]int64{}
		for _, n := range added {
			if n.Source != "incident" || n.Product == nil {
				t.Errorf("%s: new need %+v", lang, n)
				continue
			}
			got[n.Product.ID] += n.Quantity
		}
		if len(added) != 2 || got[tents] != 4 || got[bags] != 2 {
			t.Fatalf("%s: new needs at the site %+v, want 4 tents and 2 sleeping bags from the incident", lang, added)
		}
		b.view("queued-" + lang)

		// The coordinator's needs board and incident list.
		c := newBrowser(t, base, "incident-coord-"+lang)
		c.signIn(users["coordinator"])
		if lang != "en" {
			c.language(lang)
		}
		c.open("/needs", "#needs-board")
		c.view("needs-" + lang)
		c.open(fmt.Sprintf("/incidents?site=%d&kind=eviction", site), "#incident-list")
		c.submit("open the incident", `#incident-list a`)
		if got := c.eval("items", `String(document.querySelectorAll('#incident-items tbody tr[data-product]').length)`); got != "2" {
			t.Errorf("%s: the incident page shows %s item lines, want 2", lang, got)
		}
		owed := c.eval("owed", fmt.Sprintf(`(() => { const r = document.querySelector('#incident-items tr[data-product="%d"]'); return r ? r.lastElementChild.textContent.trim() : "none"; })()`, tents))
		if owed != "4" {
			t.Errorf("%s: tents still owed %q, want 4", lang, owed)
		}
		c.view("incident-" + lang)
	}
}
