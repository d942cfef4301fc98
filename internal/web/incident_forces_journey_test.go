package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/browsertest"
)

// TestJourneyIncidentForces: a coordinator on a 390 × 844 phone adds a
// force to the organisation's list; the defaults read in the coordinator's
// language, the added force as typed; an observer's incident form offers
// it. In English, then in Arabic.
func TestJourneyIncidentForces(t *testing.T) {
	ctx := context.Background()
	w := newFieldWorld(t)
	sys := w.system(t)
	acc := account.New(w.d)
	for _, c := range []struct{ lang, force, typed string }{{"en", "Riot police", "Prefecture services"}, {"ar", "شرطة مكافحة الشغب", "مصالح المحافظة"}} {
		for _, role := range []access.Role{access.Coordinator, access.Observer} {
			email := string(role) + "-" + c.lang + "@example.org"
			nu, err := acc.AddUser(ctx, sys, account.NewUser{Email: email, Name: email, Password: fieldPassword, BaseID: sys.BaseID, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			if err := acc.SetLanguage(ctx, access.Actor{UserID: nu.ID, OrgID: sys.OrgID, BaseID: sys.BaseID, Role: role}, c.lang); err != nil {
				t.Fatal(err)
			}
		}
		co := &tab{t: t, ctx: browsertest.New(t, 2*time.Minute), w: w}
		co.signIn("coordinator-" + c.lang + "@example.org")
		co.open("/incidents/forces", "#incident-forces-list")
		if got := co.eval("defaults", `document.getElementById("incident-forces-list").textContent`); !strings.Contains(got, c.force) {
			t.Errorf("%s: the list does not read %q: %s", c.lang, c.force, got)
		}
		small := co.eval("targets", `(() => Array.from(document.querySelectorAll('#n-name, form[action="/incidents/forces"] button')).filter(e => {
			const r = e.getBoundingClientRect(); return r.height < 44 || r.right > 390.5 || r.left < -0.5; }).map(e => (e.id || e.type) + " " + JSON.stringify(e.getBoundingClientRect())).join(","))()`)
		if small != "" {
			t.Errorf("%s: controls smaller than 44 px or off the screen: %s", c.lang, small)
		}
		co.do("add a force",
			chromedp.SendKeys(chromedp.CSS(`#n-name`), c.typed),
			chromedp.Click(chromedp.CSS(`form[action="/incidents/forces"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#incident-forces-list`)))
		// The click posts the form and the page is replaced: poll until the
		// new page lists the force, taking an evaluation that fails while
		// the old page goes (no element, no context) as "not yet".
		added := `String(!!document.getElementById("incident-forces-list") && document.getElementById("incident-forces-list").textContent.includes(` + jsString(c.typed) + `))`
		listed := false
		for deadline := time.Now().Add(10 * time.Second); !listed && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			got, err := chromedp.Run(co.ctx, chromedp.Evaluate[string](added))
			listed = err == nil && got == "true"
		}
		if !listed {
			browsertest.Screenshot(t, co.ctx, "failed-incident-forces-"+c.lang)
			t.Fatalf("%s: the list does not show the added force %q within 10 s", c.lang, c.typed)
		}
		browsertest.Screenshot(t, co.ctx, "incident-forces-"+c.lang)

		obs := &tab{t: t, ctx: browsertest.New(t, 2*time.Minute), w: w}
		obs.signIn("observer-" + c.lang + "@example.org")
		obs.open("/incidents/new", "#incident-forces")
		if got := obs.eval("offered", `document.getElementById("incident-forces").textContent`); !strings.Contains(got, c.typed) || !strings.Contains(got, c.force) {
			t.Errorf("%s: the form offers %s", c.lang, got)
		}
	}
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
